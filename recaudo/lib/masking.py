"""Showing enough of a number or an address to recognise it, not to copy it."""

BULLET = "•"


def mask_tail(text: str, visible: int = 4) -> str:
    """``"0012345678"`` -> ``"•••• 5678"``; a text no longer than ``visible`` is all bullets."""
    text = text.strip()
    if len(text) <= visible:
        return BULLET * len(text)
    return f"{BULLET * 4} {text[-visible:]}"


def mask_email(address: str) -> str:
    """``"maria.perez@correo.com"`` -> ``"m***@correo.com"``."""
    name, _at, domain = address.strip().partition("@")
    return f"{name[:1]}***@{domain}" if domain and name else "***"


def mask_phone(number: str, *, country_code: int | None = None) -> str:
    """``"+573001234567"`` -> ``"+57 *** *** 4567"`` (the country code when known)."""
    prefix = f"+{country_code} " if country_code else ""
    return f"{prefix}*** *** {number.strip()[-4:]}"


def mask_address(address: str, *, country_code: int | None = None) -> str:
    """An e-mail address or a phone number, masked as its kind (an E.164 number keeps its
    country code: ``"+57 *** *** 4567"``)."""
    if "@" in address:
        return mask_email(address)
    if country_code is None and address.strip().startswith("+"):
        import phonenumbers

        try:
            country_code = phonenumbers.parse(address.strip(), None).country_code
        except phonenumbers.NumberParseException:
            country_code = None
    return mask_phone(address, country_code=country_code)
