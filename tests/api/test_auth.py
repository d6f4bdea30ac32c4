import pytest
from django.core.management import call_command
from django.test import Client

from recaudo.api.keys import NewApiKey, create_api_key, revoke_api_key
from recaudo.api.models import ApiKey
from recaudo.debts.models import Creditor
from tests.factories import make_account, make_creditor, make_customer

ACCOUNT_URL = "/api/v1/accounts/{}"


@pytest.fixture
def account(creditor: Creditor):  # type: ignore[no-untyped-def]
    return make_account(make_customer(creditor), external_id="A-1")


def test_no_key_is_401(client: Client, account: object) -> None:
    response = client.get(ACCOUNT_URL.format("A-1"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Bearer nonsense", "Bearer rk_00000000.secret", "Basic dXNlcjpwYXNz", "Bearer "],
)
def test_bad_key_is_401(client: Client, account: object, header: str) -> None:
    response = client.get(ACCOUNT_URL.format("A-1"), HTTP_AUTHORIZATION=header)

    assert response.status_code == 401


def test_right_prefix_wrong_secret_is_401(
    client: Client, account: object, new_key: NewApiKey
) -> None:
    forged = f"{new_key.api_key.prefix}.{'x' * 43}"

    response = client.get(ACCOUNT_URL.format("A-1"), HTTP_AUTHORIZATION=f"Bearer {forged}")

    assert response.status_code == 401


def test_revoked_key_is_401(api: Client, account: object, new_key: NewApiKey) -> None:
    assert api.get(ACCOUNT_URL.format("A-1")).status_code == 200

    revoke_api_key(new_key.api_key)

    assert api.get(ACCOUNT_URL.format("A-1")).status_code == 401


def test_a_use_is_recorded(api: Client, account: object, new_key: NewApiKey) -> None:
    api.get(ACCOUNT_URL.format("A-1"))

    new_key.api_key.refresh_from_db()
    assert new_key.api_key.last_used_at is not None


def test_another_creditors_account_is_404_without_its_data(api: Client) -> None:
    other = make_account(make_customer(make_creditor()), external_id="OTRO-1")

    responses = [
        api.get(ACCOUNT_URL.format(other.external_id)),
        api.get(ACCOUNT_URL.format(other.external_id) + "/timeline"),
    ]

    assert [response.status_code for response in responses] == [404, 404]
    assert all("OTRO-1" not in response.content.decode() for response in responses)


def test_the_clear_key_is_not_stored(creditor: Creditor) -> None:
    new_key = create_api_key(creditor, name="erp")
    secret = new_key.clear_key.partition(".")[2]

    stored = " ".join(str(value) for value in ApiKey.objects.values_list().get())

    assert new_key.clear_key.startswith(new_key.api_key.prefix + ".")
    assert secret not in stored
    assert new_key.clear_key not in stored
    assert len(new_key.api_key.hashed_secret) == 64  # HMAC-SHA256, hex


def test_command_creates_lists_and_revokes(
    creditor: Creditor, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("api_key", "create", "--creditor", creditor.slug, "--name", "erp")
    clear_key = capsys.readouterr().out.strip()
    prefix = clear_key.partition(".")[0]

    call_command("api_key", "list")
    listed = capsys.readouterr().out
    call_command("api_key", "revoke", prefix)

    assert prefix in listed and "erp" in listed
    assert clear_key.partition(".")[2] not in listed
    assert ApiKey.objects.get(prefix=prefix).revoked_at is not None


def test_admin_lists_keys_read_only(admin_client: Client, new_key: NewApiKey) -> None:
    listing = admin_client.get("/admin/api/apikey/")
    change = admin_client.get(f"/admin/api/apikey/{new_key.api_key.pk}/change/")

    assert listing.status_code == change.status_code == 200
    assert new_key.api_key.prefix in listing.content.decode()
    assert new_key.clear_key not in change.content.decode()
    assert admin_client.get("/admin/api/apikey/add/").status_code == 403
