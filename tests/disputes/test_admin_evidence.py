"""Evidence on the case page: files served only through the admin's checked views, to the staff who work the
case (officials who see the case get a 403, other stations a 404), with headers that keep a browser from running
or keeping them."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from disputes.models import Evidence
from disputes.states import ActorKind, EvidenceKind

from .test_admin import change_url, file_case

PDF = b"%PDF-1.4\n% evidence bytes \x00\x01\x02\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"preview-bytes" * 20 + b"\xff\xd9"
SHA = "ab" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(directory):
    return file_case(station=directory.station)


@pytest.fixture
def evidence(case):
    return Evidence.objects.create(
        case=case,
        kind=EvidenceKind.IMAGE,
        file=ContentFile(PDF, name="evidence.pdf"),
        preview=ContentFile(JPEG, name="preview.jpg"),
        content_type="application/pdf",
        size=len(PDF),
        sha256=SHA,
        display_name="工资条 2026年10月.pdf",
        uploaded_by=ActorKind.WORKER,
    )


def download_url(evidence):
    return reverse("admin:disputes_evidence_download", args=[evidence.pk])


def preview_url(evidence):
    return reverse("admin:disputes_evidence_preview", args=[evidence.pk])


def assert_safe_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private, no-store"


def test_the_station_mediator_downloads_the_exact_bytes_as_an_attachment(client, directory, evidence):
    client.force_login(directory.staff["mediator"])
    response = client.get(download_url(evidence))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" in disposition
    assert_safe_headers(response)


def test_the_preview_is_served_inline_as_jpeg(client, directory, evidence):
    client.force_login(directory.staff["mediator"])
    response = client.get(preview_url(evidence))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    assert response["Content-Type"] == "image/jpeg"
    assert not response.get("Content-Disposition", "").startswith("attachment")
    assert_safe_headers(response)


def test_evidence_without_a_preview_has_no_preview(client, directory, evidence):
    Evidence.objects.filter(pk=evidence.pk).update(preview="")
    client.force_login(directory.staff["mediator"])
    assert client.get(preview_url(evidence)).status_code == 404


@pytest.mark.parametrize("view", [download_url, preview_url])
def test_an_official_who_sees_the_case_may_not_open_its_evidence(client, directory, case, evidence, view):
    official = directory.staff["official"]
    client.force_login(official)
    assert client.get(change_url(case)).status_code == 200  # the case is visible to them
    assert client.get(view(evidence)).status_code == 403


@pytest.mark.parametrize("view", [download_url, preview_url])
def test_another_station_gets_a_404(client, directory, evidence, view):
    client.force_login(directory.staff["other_mediator"])
    assert client.get(view(evidence)).status_code == 404


def test_an_unknown_evidence_is_a_404(client, directory):
    client.force_login(directory.staff["mediator"])
    assert client.get(reverse("admin:disputes_evidence_download", args=[999999])).status_code == 404


def test_the_case_page_lists_the_evidence_with_links_for_the_staff_working_it(
    client, directory, case, evidence
):
    client.force_login(directory.staff["mediator"])
    page = client.get(change_url(case)).content.decode()
    assert 'id="case-evidence"' in page
    assert "工资条 2026年10月.pdf" in page
    assert download_url(evidence) in page
    assert preview_url(evidence) in page
    assert f'title="{SHA}"' in page
    assert "/media/" not in page


def test_officials_see_the_list_without_names_or_links(client, directory, case, evidence):
    client.force_login(directory.staff["official"])
    page = client.get(change_url(case)).content.decode()
    assert 'id="case-evidence"' in page
    assert "工资条" not in page
    assert download_url(evidence) not in page


def test_the_evidence_admin_has_no_list_of_its_own(client, directory, evidence):
    client.force_login(directory.staff["mediator"])
    assert client.get(reverse("admin:disputes_evidence_changelist")).status_code == 403
