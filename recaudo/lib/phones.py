"""Phone numbers in E.164, parsed with ``phonenumbers`` for a default country."""

import phonenumbers


class InvalidPhoneNumber(ValueError):
    pass


def normalise_phone(raw: str, country: str) -> str:
    """``raw`` as E.164 (``+573001234567``); ``country`` is the ISO code used when no ``+`` prefix."""
    try:
        number = phonenumbers.parse(raw, country.upper())
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneNumber(raw) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_mobile(e164: str) -> bool:
    number = phonenumbers.parse(e164, None)
    kind = phonenumbers.number_type(number)
    return kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
