import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from recaudo.analytics.models import ChannelCost, DailyMetric
from recaudo.staff.models import AuditEntry
from tests.analytics.dashboard_rows import END, START, known_rows, metric_row
from tests.factories import make_creditor

pytestmark = pytest.mark.django_db

URL = reverse("console:dashboard")
EXPORT_URL = reverse("console:dashboard_export")


@pytest.fixture
def creditor():
    creditor = make_creditor(name="Banco Andino", slug="banco-andino")
    DailyMetric.objects.bulk_create(known_rows(creditor))
    return creditor


def params(creditor, **extra):
    return {
        "creditor": creditor.pk,
        "period": "custom",
        "start": START.isoformat(),
        "end": END.isoformat(),
        **extra,
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("agent", 403),
        ("compliance", 403),
        ("supervisor", 200),
        ("strategist", 200),
        ("admin", 200),
    ],
)
def test_who_may_see_the_dashboards_and_export_them(client_as, creditor, role, status):
    client = client_as(role)

    assert client.get(URL, params(creditor)).status_code == status
    assert client.get(EXPORT_URL, params(creditor, format="csv")).status_code == status


def test_the_page_shows_the_figures_of_the_known_rows(client_as, creditor):
    response = client_as("supervisor").get(URL, params(creditor))

    page = response.content.decode()
    assert response.status_code == 200
    # Containment 80 %, recovery 5 % of the opening balance, roll rate 6 %, cure rate 12.5 %.
    assert "80,0 %" in page
    assert "5,00 %" in page
    assert "6,0 %" in page and "12,5 %" in page
    # Cost per unit recovered: 15,000 / 500,000.
    assert "0,0300" in page
    # Charts: Chart.js loaded in the head, the data embedded as JSON, one canvas per chart.
    assert "console/vendor/chart.umd.min.js" in page
    assert 'id="dashboard-data"' in page
    for chart in ("portfolio_by_bucket", "payments_by_day", "contact_by_channel", "promises"):
        assert f'data-chart="{chart}"' in page
    # The roll/cure matrix is a table with row and column headers.
    assert '<table class="matrix">' in page and '<th scope="row">1-30</th>' in page
    assert "empty-state" not in page


def test_the_chart_data_holds_the_same_numbers(client_as, creditor):
    response = client_as("supervisor").get(URL, params(creditor))

    charts = response.context["charts"]
    assert charts["portfolio_by_bucket"]["labels"] == ["current", "1-30", "31-60"]
    assert charts["portfolio_by_bucket"]["datasets"][0]["data"] == [61, 23, 14]
    assert charts["promises"]["datasets"][0]["data"] == [10, 5, 2]
    amounts = charts["payments_by_day"]["datasets"][0]["data"]
    assert len(amounts) == 10 and amounts[1] == 300_000.0 and amounts[4] == 200_000.0


def test_a_segment_filter_narrows_the_figures(client_as, creditor):
    response = client_as("supervisor").get(URL, params(creditor, segment="B"))

    figures = response.context["figures"]
    assert figures.portfolio.accounts == 40
    assert figures.recovery.amount == Decimal("200000")
    assert '<option value="B" selected>B</option>' in response.content.decode()


def test_without_parameters_the_first_creditor_and_last_30_days_are_shown(client_as, creditor):
    response = client_as("supervisor").get(URL)

    filters = response.context["figures"].filters
    assert filters.creditor_id == creditor.pk
    assert (filters.end - filters.start).days == 29


def test_no_rows_shows_how_to_build_them(client_as):
    make_creditor()

    response = client_as("supervisor").get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "recaudo analytics build" in page
    assert 'data-chart="' not in page


def test_no_creditor_at_all_is_explained(client_as):
    response = client_as("supervisor").get(URL)

    assert response.status_code == 200
    assert "recaudo analytics build" in response.content.decode()


def test_bad_custom_dates_say_what_to_fix(client_as, creditor):
    response = client_as("supervisor").get(
        URL, params(creditor, start=END.isoformat(), end=START.isoformat())
    )

    assert response.status_code == 200
    assert response.context["form"].errors["end"]
    assert 'role="alert"' in response.content.decode()


def test_the_page_takes_the_same_queries_whatever_the_days_or_segments(
    client_as, creditor, django_assert_num_queries
):
    client = client_as("supervisor")
    client.get(URL, params(creditor))  # the session's first write is not the page's cost

    # 11 since the page says up to which day the figures go (``queries.last_built_day``).
    with django_assert_num_queries(11):
        client.get(URL, params(creditor))

    more = []
    for offset in range(60):
        day = START + dt.timedelta(days=offset)
        for segment in ("C", "D", "E", "F"):
            more.append(metric_row(creditor, day, "portfolio", segment=segment, count=2))
            more.append(
                metric_row(
                    creditor,
                    day,
                    "portfolio",
                    segment=segment,
                    dimension="bucket",
                    key="1-30",
                    count=2,
                )
            )
            more.append(metric_row(creditor, day, "payments", segment=segment, count=1, amount=5))
    DailyMetric.objects.bulk_create(more)

    end = START + dt.timedelta(days=59)
    with django_assert_num_queries(11):
        response = client.get(URL, params(creditor, end=end.isoformat()))
    assert response.context["figures"].recovery.payments == 5 + 240


def read_csv(response):
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def find(rows, section, metric, dimension="", key=""):
    (row,) = [
        row
        for row in rows
        if (row["section"], row["metric"], row["dimension"], row["key"])
        == (section, metric, dimension, key)
    ]
    return row["value"]


def test_the_csv_export_parses_back_to_the_same_numbers(client_as, creditor):
    client = client_as("supervisor")

    response = client.get(EXPORT_URL, params(creditor, format="csv"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    disposition = response["Content-Disposition"]
    assert "banco-andino" in disposition and "2026-03-01" in disposition
    assert "2026-03-10" in disposition and disposition.endswith('.csv"')
    rows = read_csv(response)
    assert list(rows[0]) == ["section", "metric", "dimension", "key", "value"]
    assert Decimal(find(rows, "recovery", "amount")) == Decimal("500000")
    assert float(find(rows, "recovery", "share_of_balance")) == pytest.approx(0.05)
    assert float(find(rows, "service", "containment")) == pytest.approx(0.8)
    assert float(find(rows, "transitions", "roll_rate", "bucket", "1-30")) == pytest.approx(0.2)
    assert int(find(rows, "transitions", "accounts", "transition", "1-30>31-60")) == 6
    assert int(find(rows, "portfolio", "accounts", "bucket", "current")) == 61
    assert float(find(rows, "costs", "cost_per_unit_recovered")) == pytest.approx(0.03)
    # A ratio without a denominator is an empty cell.
    assert find(rows, "service", "satisfaction", "channel", "sms") == ""
    entry = AuditEntry.objects.get(action="exported")
    assert entry.user == client.user and entry.creditor_id == creditor.pk
    assert entry.detail["format"] == "csv" and entry.detail["start"] == "2026-03-01"


def test_the_csv_keeps_accents(client_as, creditor):
    DailyMetric.objects.create(
        creditor=creditor, day=END, metric="portfolio", segment="Préstamos", count=1
    )

    response = client_as("supervisor").get(EXPORT_URL, params(creditor, format="csv"))

    assert int(find(read_csv(response), "portfolio", "accounts", "segment", "Préstamos")) == 1


def test_the_xlsx_export_parses_back_to_the_same_numbers(client_as, creditor):
    response = client_as("strategist").get(EXPORT_URL, params(creditor, format="xlsx", segment="B"))

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('_b.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("section", "metric", "dimension", "key", "value")
    rows = [
        dict(zip(values[0], ["" if cell is None else cell for cell in row], strict=True))
        for row in values[1:]
    ]
    assert find(rows, "recovery", "amount") == 200_000
    assert find(rows, "recovery", "share_of_balance") == pytest.approx(0.05)
    assert find(rows, "portfolio", "accounts") == 40
    assert AuditEntry.objects.filter(action="exported", detail__format="xlsx").count() == 1


def test_an_unknown_export_format_is_refused_with_the_fix(client_as, creditor):
    response = client_as("supervisor").get(EXPORT_URL, params(creditor, format="pdf"))

    assert response.status_code == 400
    assert "csv" in response.content.decode()
    assert not AuditEntry.objects.filter(action="exported").exists()


def test_the_configure_costs_link_is_only_for_administrators(client_as, creditor):
    admin_page = client_as("admin").get(URL, params(creditor)).content.decode()
    costs_url = reverse("admin:analytics_channelcost_changelist")
    assert costs_url in admin_page


def test_supervisors_do_not_see_the_configure_costs_link(client_as, creditor):
    page = client_as("supervisor").get(URL, params(creditor)).content.decode()

    assert reverse("admin:analytics_channelcost_changelist") not in page


def test_an_administrator_configures_unit_costs_in_the_admin(client_as, creditor):
    client = client_as("admin")

    response = client.post(
        reverse("admin:analytics_channelcost_add"),
        {"creditor": creditor.pk, "channel": "sms", "unit_cost": "45.5"},
    )

    assert response.status_code == 302
    assert ChannelCost.objects.get(creditor=creditor, channel="sms").unit_cost == Decimal("45.5")
    assert AuditEntry.objects.filter(action="edited", detail__channel="sms").exists()
    assert client.get(reverse("admin:analytics_dailymetric_changelist")).status_code == 200
    assert client.get(reverse("admin:analytics_dailymetric_add")).status_code == 403


def test_an_unknown_creditor_is_a_form_error_not_a_crash(client_as, creditor):
    client = client_as("supervisor")
    unknown = {**params(creditor), "creditor": "999999"}

    page = client.get(URL, unknown)
    export = client.get(EXPORT_URL, {**unknown, "format": "csv"})

    assert page.status_code == 200 and page.context["form"].errors["creditor"]
    assert export.status_code == 400 and "creditor" in export.content.decode()


def test_an_unknown_segment_is_refused_with_the_fix(client_as, creditor):
    client = client_as("supervisor")

    page = client.get(URL, params(creditor, segment="=cmd|' /C calc'!A0"))
    export = client.get(EXPORT_URL, params(creditor, format="csv", segment="Z"))

    assert page.status_code == 200
    (error,) = page.context["form"].errors["segment"]
    assert error.startswith("Banco Andino no tiene el segmento =cmd")  # the page is in Spanish
    assert "figures" not in page.context
    assert "calc" not in page.content.decode().split('name="segment"')[1].split("</select>")[0]
    assert export.status_code == 400
    assert not AuditEntry.objects.filter(action="exported").exists()


def test_a_segment_of_the_accounts_without_figures_yet_is_accepted(client_as, creditor):
    from tests.factories import make_account, make_customer

    make_account(make_customer(creditor), segment="Nuevo")

    response = client_as("supervisor").get(URL, params(creditor, segment="Nuevo"))

    assert not response.context["form"].errors
    assert response.context["figures"].portfolio.accounts == 0


def test_the_exports_never_write_a_formula(client_as, creditor):
    """A segment name is typed by users: "=HYPERLINK(...)" must reach the sheet as text."""
    evil = '=HYPERLINK("http://evil.example","x")'
    DailyMetric.objects.create(
        creditor=creditor, day=END, metric="portfolio", segment=evil, count=1
    )
    DailyMetric.objects.create(
        creditor=creditor,
        day=END,
        metric="payments",
        dimension="strategy",
        key="@SUM(1)",
        count=1,
        amount=Decimal("-5"),
    )
    client = client_as("supervisor")

    rows = read_csv(client.get(EXPORT_URL, params(creditor, format="csv")))
    response = client.get(EXPORT_URL, params(creditor, format="xlsx"))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [cell for row in workbook.active.iter_rows() for cell in row]

    assert find(rows, "portfolio", "accounts", "segment", "'" + evil) == "1"
    assert find(rows, "recovery", "amount", "strategy", "'@SUM(1)") == "-5"
    assert not [row for row in rows if any(value.startswith("=") for value in row.values())]
    assert not [cell for cell in cells if cell.data_type == "f"]
    assert any(cell.value == "'" + evil for cell in cells)
    negative = [cell.value for cell in cells if cell.value == -5]
    assert negative == [-5]  # a negative amount stays a number


def test_the_page_says_up_to_which_day_the_figures_go(client_as, creditor):
    # An agent's promise of today is not on the dashboard until the nightly build: say so.
    DailyMetric.objects.create(
        creditor=creditor, day=END + dt.timedelta(days=2), metric="payments", count=1, amount=5
    )
    page = client_as("supervisor").get(URL, params(creditor)).content.decode()
    assert "Cifras hasta el 12/03/2026, calculadas en la actualización nocturna" in page
    assert "(<code>recaudo analytics build</code> para recalcularlas)" in page


def test_the_payments_chart_labels_days_in_the_page_language(client_as, creditor, settings):
    client = client_as("supervisor")
    labels = client.get(URL, params(creditor)).context["charts"]["payments_by_day"]["labels"]
    assert labels[0] == "01/03/2026" and labels[-1] == "10/03/2026"
    settings.LANGUAGE_CODE = "en"
    labels = client.get(URL, params(creditor)).context["charts"]["payments_by_day"]["labels"]
    assert labels[0] == "03/01/2026" and labels[-1] == "03/10/2026"
