import pytest

from recaudo.strategies.sms import is_gsm7, sms_length, to_gsm7


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("Hola", "GSM-7", 4, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        # é, ñ, ü, à, ¿, Ñ, Ç, Ø, Å, Ä, Ö, Ü, § are in the basic set: one septet each.
        ("¿Qué tal, Muñoz? Pingüino àèìòù ÇØøÅåÄÖÑÜ§äöñü", "GSM-7", 46, 1),
        # The extension table costs two septets a character.
        ("€", "GSM-7", 2, 1),
        ("{}[]~\\^|", "GSM-7", 16, 1),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        # á, í, ó, ú are not GSM-7: the whole text goes as UCS-2.
        ("María", "UCS-2", 5, 1),
        ("aquí" + "a" * 66, "UCS-2", 70, 1),
        ("aquí" + "a" * 67, "UCS-2", 71, 2),
        ("ó" * 134, "UCS-2", 134, 2),
        ("ó" * 135, "UCS-2", 135, 3),
        # An emoji is two UTF-16 code units.
        ("Gracias 🙂", "UCS-2", 10, 1),
    ],
)
def test_encoding_units_and_segments(text: str, encoding: str, units: int, segments: int) -> None:
    length = sms_length(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)


def test_an_escape_pair_is_never_split_across_segments() -> None:
    # 152 septets then a euro sign (2): the pair starts segment 2 rather than straddle.
    assert sms_length("a" * 152 + "€" + "a" * 10).segments == 2
    # 306 septets would fit two segments of 153, but the unsplit pair pushes one into a third.
    assert sms_length("a" * 152 + "€" + "a" * 152).segments == 3


def test_a_surrogate_pair_is_never_split_across_segments() -> None:
    assert sms_length("á" * 66 + "🙂" + "á" * 50).segments == 2
    assert sms_length("á" * 66 + "🙂" + "á" * 66).segments == 3


def test_the_characters_that_force_ucs2_are_named() -> None:
    assert sms_length("María, aquí está").non_gsm_characters == ("í", "á")
    assert sms_length("Señor").non_gsm_characters == ()


def test_to_gsm7_keeps_spanish_readable_in_one_encoding() -> None:
    text = to_gsm7("María, aquí está su línea «único» \u2013 Ñandú, pingüino, café")
    assert text == 'Maria, aqui esta su linea "unico" - Ñandu, pingüino, café'
    assert is_gsm7(text)
    assert not is_gsm7(to_gsm7("Gracias 🙂"))
