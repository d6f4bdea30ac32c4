"""The permission matrix, role by role: the data, its documentation and every section's page."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from recaudo.console.navigation import SECTIONS, sections_for
from recaudo.staff.models import AuditEntry
from recaudo.staff.roles import (
    MATRIX,
    Capability,
    Role,
    assign_roles,
    can,
    capabilities_of,
    group_name,
    roles_of,
)
from tests.factories import make_user

DOCS = Path(__file__).resolve().parents[2] / "docs" / "console.md"

# The matrix as the issue and docs/console.md describe it, written out once more on purpose: a
# change to MATRIX must be a change to this table too.
EXPECTED = {
    "agent": {"inbox", "view_customers", "act_on_accounts"},
    "supervisor": {
        "inbox",
        "view_customers",
        "act_on_accounts",
        "view_strategy",
        "view_dashboards",
    },
    "strategist": {"view_strategy", "edit_strategy", "view_dashboards"},
    "compliance": {"view_customers", "view_compliance"},
    "admin": {
        "inbox",
        "view_customers",
        "act_on_accounts",
        "view_strategy",
        "edit_strategy",
        "view_dashboards",
        "view_compliance",
        "administer",
    },
}


def test_every_role_has_a_row_and_every_capability_is_known():
    assert set(MATRIX) == set(Role.values)
    for capabilities in MATRIX.values():
        assert capabilities <= set(Capability.values)


@pytest.mark.parametrize("role", Role.values)
def test_the_role_has_exactly_its_documented_capabilities(role):
    assert set(MATRIX[role]) == EXPECTED[role]


def test_only_the_administrator_administers_and_only_strategists_edit_the_strategy():
    assert [role for role in Role.values if Capability.ADMINISTER in MATRIX[role]] == ["admin"]
    assert {role for role in Role.values if Capability.EDIT_STRATEGY in MATRIX[role]} == {
        "strategist",
        "admin",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_a_user_with_one_role_can_exactly_what_the_matrix_says(role):
    user = make_user(role)

    assert roles_of(user) == {role}
    for capability in Capability.values:
        assert can(user, capability) is (capability in MATRIX[role]), capability


@pytest.mark.django_db
def test_roles_add_up_and_assign_roles_replaces_them():
    user = make_user("agent", "strategist")
    assert capabilities_of(user) == MATRIX["agent"] | MATRIX["strategist"]

    assign_roles(user, ["compliance"])

    assert roles_of(user) == {"compliance"}
    assert set(user.groups.values_list("name", flat=True)) == {group_name("compliance")}


@pytest.mark.django_db
def test_assign_roles_keeps_groups_that_are_not_roles():
    from django.contrib.auth.models import Group

    user = make_user("agent")
    other = Group.objects.create(name="night shift")
    user.groups.add(other)

    assign_roles(user, ["supervisor"])

    assert set(user.groups.values_list("name", flat=True)) == {
        "night shift",
        group_name("supervisor"),
    }


@pytest.mark.django_db
def test_nobody_without_a_role_or_login_can_anything():
    no_role = make_user()
    inactive = make_user("admin")
    inactive.is_active = False

    for user in (AnonymousUser(), no_role, inactive):
        assert roles_of(user) == frozenset()
        assert not any(can(user, capability) for capability in Capability.values)


@pytest.mark.django_db
def test_a_superuser_is_an_administrator_whatever_its_groups():
    user = make_user()
    user.is_superuser = True

    assert roles_of(user) == {"admin"}
    assert capabilities_of(user) == frozenset(Capability.values)


def _documented_matrix() -> dict[str, set[str]]:
    """The capability table of docs/console.md, as {role: {capability, ...}}."""
    lines = DOCS.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Capability |"))
    header = [cell.strip() for cell in lines[start].strip("|").split("|")]
    roles = header[1:]
    documented: dict[str, set[str]] = {role: set() for role in roles}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        match = re.match(r"`(\w+)`", cells[0])
        assert match, f"docs/console.md: a matrix row must start with `capability`: {line}"
        for role, mark in zip(roles, cells[1:], strict=True):
            assert mark in ("", "✓"), f"docs/console.md: use ✓ or nothing, not {mark!r}"
            if mark:
                documented[role].add(match.group(1))
    return documented


def test_the_matrix_in_the_docs_is_the_matrix_in_the_code():
    documented = _documented_matrix()

    assert documented == {role: set(capabilities) for role, capabilities in MATRIX.items()}


def test_the_docs_name_every_capability_with_its_description():
    text = DOCS.read_text(encoding="utf-8")
    with translation.override("en"):  # the developers' docs are in English
        for capability in Capability:
            assert f"`{capability.value}`: {capability.label}" in text


# Every role against every section's landing page: 200 when the matrix opens it, else 403.
SECTION_CASES = [
    pytest.param(role, section, id=f"{role}-{section.url_name.split(':')[1]}")
    for role in Role.values
    for section in SECTIONS
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "section"), SECTION_CASES)
def test_each_role_opens_exactly_the_sections_the_matrix_gives_it(client, role, section):
    user = make_user(role)
    client.force_login(user)
    allowed = section.capability in MATRIX[role]

    response = client.get(reverse(section.url_name))

    assert response.status_code == (200 if allowed else 403)
    denied = AuditEntry.objects.filter(user=user, action="denied")
    if allowed:
        assert not denied.exists()
    else:
        assert denied.get().detail == {"capability": section.capability}
        assert response.templates[0].name == "console/denied.html"


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values)
def test_the_menu_shows_exactly_the_sections_the_role_opens(client, role):
    user = make_user(role)
    client.force_login(user)

    response = client.get(reverse("console:home"), follow=True)

    shown = [section.url_name for section in response.context["console_sections"]]
    assert shown == [s.url_name for s in SECTIONS if s.capability in MATRIX[role]]
    assert shown == [s.url_name for s in sections_for(user)]
    html = response.content.decode()
    for section in SECTIONS:
        assert (f'href="{reverse(section.url_name)}"' in html) is (section.url_name in shown)
    assert (f'href="{reverse("admin:index")}"' in html) is (role == "admin")


@pytest.mark.django_db
@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.url_name)
def test_a_user_with_no_role_is_refused_every_section(client, section):
    client.force_login(make_user())

    assert client.get(reverse(section.url_name)).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.url_name)
def test_an_anonymous_visitor_is_sent_to_the_login_from_every_section(client, section):
    response = client.get(reverse(section.url_name))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('console:login')}?next={reverse(section.url_name)}"


def _console_patterns(
    patterns: list[URLPattern | URLResolver], namespace: str = ""
) -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace or ""
            found += _console_patterns(pattern.url_patterns, inner or namespace)
        elif namespace == "console":
            found.append((f"console:{pattern.name}", pattern))
    return found


def test_every_console_view_but_the_login_names_the_capability_it_requires():
    """Each console URL is wrapped in ``requires`` (the decorator leaves ``capability`` on it)."""
    open_to_all = {"console:login", "console:logout", "console:home"}
    patterns = _console_patterns(get_resolver().url_patterns)
    assert {name for name, _pattern in patterns} >= {s.url_name for s in SECTIONS} | open_to_all

    unguarded = [
        name
        for name, pattern in patterns
        if name not in open_to_all
        and getattr(pattern.callback, "capability", None) not in Capability.values
    ]
    assert unguarded == []
