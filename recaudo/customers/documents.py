"""Identity documents per country, validated with ``python-stdnum``.

``DOCUMENT_TYPES`` maps (country, document type) to the validator; ``normalise_document`` returns
the compact form that is stored, or raises ``InvalidDocument`` with a reason a person can act on.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.ar import cuit as ar_cuit
from stdnum.ar import dni as ar_dni
from stdnum.br import cnpj as br_cnpj
from stdnum.br import cpf as br_cpf
from stdnum.cl import rut as cl_rut
from stdnum.co import nit as co_nit
from stdnum.ec import ci as ec_ci
from stdnum.ec import ruc as ec_ruc
from stdnum.es import dni as es_dni
from stdnum.es import nie as es_nie
from stdnum.mx import curp as mx_curp
from stdnum.mx import rfc as mx_rfc
from stdnum.pe import cui as pe_cui
from stdnum.pe import ruc as pe_ruc
from stdnum.us import ssn as us_ssn


class InvalidDocument(ValueError):
    """The document number is not valid for its type; ``reason`` says why, for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DocumentType:
    code: str
    label: str
    validate: Callable[[str], str]


def _colombian_cedula(number: str) -> str:
    # Colombian citizen cards carry no check digit: 3 to 10 digits.
    compact = re.sub(r"[\s.\-]", "", number)
    if not re.fullmatch(r"\d{3,10}", compact):
        raise stdnum_errors.InvalidFormat()
    return compact.lstrip("0") or compact


def _passport(number: str) -> str:
    compact = re.sub(r"\s", "", number).upper()
    if not re.fullmatch(r"[A-Z0-9]{5,20}", compact):
        raise stdnum_errors.InvalidFormat()
    return compact


def _stdnum(module: object) -> Callable[[str], str]:
    def validate(number: str) -> str:
        return str(module.validate(number))  # type: ignore[attr-defined]

    return validate


DOCUMENT_TYPES: dict[str, dict[str, DocumentType]] = {
    "CO": {
        "CC": DocumentType("CC", "Cédula de ciudadanía", _colombian_cedula),
        "CE": DocumentType("CE", "Cédula de extranjería", _colombian_cedula),
        "NIT": DocumentType("NIT", "NIT", _stdnum(co_nit)),
    },
    "MX": {
        "CURP": DocumentType("CURP", "CURP", _stdnum(mx_curp)),
        "RFC": DocumentType("RFC", "RFC", _stdnum(mx_rfc)),
    },
    "CL": {"RUT": DocumentType("RUT", "RUT", _stdnum(cl_rut))},
    "PE": {
        "DNI": DocumentType("DNI", "DNI", _stdnum(pe_cui)),
        "RUC": DocumentType("RUC", "RUC", _stdnum(pe_ruc)),
    },
    "EC": {
        "CI": DocumentType("CI", "Cédula de identidad", _stdnum(ec_ci)),
        "RUC": DocumentType("RUC", "RUC", _stdnum(ec_ruc)),
    },
    "AR": {
        "DNI": DocumentType("DNI", "DNI", _stdnum(ar_dni)),
        "CUIT": DocumentType("CUIT", "CUIT/CUIL", _stdnum(ar_cuit)),
    },
    "BR": {
        "CPF": DocumentType("CPF", "CPF", _stdnum(br_cpf)),
        "CNPJ": DocumentType("CNPJ", "CNPJ", _stdnum(br_cnpj)),
    },
    "ES": {
        "DNI": DocumentType("DNI", "DNI", _stdnum(es_dni)),
        "NIE": DocumentType("NIE", "NIE", _stdnum(es_nie)),
    },
    "US": {"SSN": DocumentType("SSN", "SSN", _stdnum(us_ssn))},
}

# Accepted in every country, for foreigners.
PASSPORT = DocumentType("PASSPORT", "Pasaporte", _passport)


def document_type_for(country: str, code: str) -> DocumentType | None:
    code = code.strip().upper()
    if code in {"PASSPORT", "PASAPORTE", "PA"}:
        return PASSPORT
    return DOCUMENT_TYPES.get(country.upper(), {}).get(code)


def document_codes(country: str) -> list[str]:
    return [*DOCUMENT_TYPES.get(country.upper(), {}), PASSPORT.code]


def normalise_document(country: str, code: str, number: str) -> tuple[str, str]:
    """Return ``(type code, compact number)`` or raise ``InvalidDocument``."""
    document_type = document_type_for(country, code)
    if document_type is None:
        raise InvalidDocument(
            str(
                _("unknown document type %(code)s for %(country)s; use one of: %(codes)s")
                % {"code": code, "country": country, "codes": ", ".join(document_codes(country))}
            )
        )
    try:
        return document_type.code, document_type.validate(number.strip())
    except stdnum_errors.InvalidChecksum as error:
        raise InvalidDocument(str(_("the check digit does not match"))) from error
    except stdnum_errors.InvalidLength as error:
        raise InvalidDocument(str(_("it has the wrong number of digits"))) from error
    except (stdnum_errors.InvalidFormat, stdnum_errors.InvalidComponent) as error:
        raise InvalidDocument(
            str(_("it is not a valid %(label)s number") % {"label": document_type.label})
        ) from error
    except stdnum_errors.ValidationError as error:
        raise InvalidDocument(
            str(_("it is not a valid %(label)s number") % {"label": document_type.label})
        ) from error
