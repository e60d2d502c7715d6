"""Each station's printable QR poster: the code decodes to exactly the station's intake URL, the SVG and PDF are
what they claim to be, the public page and downloads exist only for stations that take claims, and the admin
links to the poster."""

import io
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image

from organizations import posters
from tests.factories import OrganizationFactory

SVG_NS = "{http://www.w3.org/2000/svg}"


def decode(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.fixture
def station(directory):
    org = directory.station
    org.address = "示范市北区东街88号二楼"
    org.phone = "0577-88886666"
    org.save()
    return org


def test_the_png_decodes_to_the_intake_url_built_from_the_request(client, station):
    response = client.get(f"/o/{station.code}/poster.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert decode(response.content) == [f"http://testserver/intake/s/{station.code}/"]


def test_the_public_base_url_setting_wins_over_the_request(client, station, settings):
    settings.PUBLIC_BASE_URL = "https://onestop.example.gov.cn/"
    response = client.get(f"/o/{station.code}/poster.png")
    assert decode(response.content) == [f"https://onestop.example.gov.cn/intake/s/{station.code}/"]


def test_the_svg_is_an_svg_document_holding_the_code(client, station):
    response = client.get(f"/o/{station.code}/poster.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") and root.get("width") == root.get("height")
    # The modules are drawn as one path; its title names the URL it encodes.
    path = root.find(f"{SVG_NS}path")
    assert path is not None and len(path.get("d")) > 200
    assert root.find(f"{SVG_NS}title").text == f"http://testserver/intake/s/{station.code}/"


def test_the_svg_renders_to_the_same_code():
    """The SVG's modules are the QR's: rasterised by hand from its path, the result decodes to the URL."""
    url = "https://onestop.example.gov.cn/intake/s/station-a/"
    root = ET.fromstring(posters.qr_svg(url))
    size = int(root.get("viewBox").split()[2])
    scale = 10
    image = Image.new("L", (size * scale, size * scale), 255)
    pixels = image.load()
    path_d = root.find(f"{SVG_NS}path").get("d")
    assert set(re.findall(r"[A-Za-z]", path_d)) <= {"M", "m", "h"}  # segno draws rows of modules
    x = y = 0.0
    for op, num in re.findall(r"([Mmh])(-?[\d.]+(?: -?[\d.]+)?)", path_d):
        values = [float(v) for v in num.split()]
        if op == "M":
            x, y = values
        elif op == "m":
            x, y = x + values[0], y + values[1]
        elif op == "h":
            row = int(y)
            for col in range(int(x), int(x + values[0])):
                for dy in range(scale):
                    for dx in range(scale):
                        pixels[col * scale + dx, row * scale + dy] = 0
            x += values[0]
    assert decode(_png(image)) == [url]


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_pdf_is_an_a4_poster_naming_the_station(client, station):
    response = client.get(f"/o/{station.code}/poster.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert 3_000 < len(pdf) < 500_000
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf  # A4 in points
    assert b"STSong-Light" in pdf
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        for expected in (
            station.name,
            "扫码申请劳动争议调解",
            "调解免费",
            "身份证",
            f"http://testserver/intake/s/{station.code}/",
            station.address,
            station.phone,
        ):
            assert expected in text, expected


def test_the_printed_pdf_code_decodes_to_the_intake_url(client, station, tmp_path):
    if not shutil.which("pdftoppm"):  # `make system-deps` installs poppler-utils; CI must not skip this
        (pytest.fail if os.environ.get("REQUIRE_SERVICES") == "1" else pytest.skip)(
            "needs pdftoppm (poppler-utils)"
        )
    pdf = client.get(f"/o/{station.code}/poster.pdf").content
    (tmp_path / "poster.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "120", "-png", "-f", "1", "-l", "1", "-singlefile", "poster.pdf", "page"],
        cwd=tmp_path,
        check=True,
    )
    assert decode((tmp_path / "page.png").read_bytes()) == [f"http://testserver/intake/s/{station.code}/"]


def test_the_public_page_names_the_station_and_links_everything(client, station):
    response = client.get(f"/o/{station.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    for expected in (
        station.name,
        "行业协会调解站",
        station.address,
        station.phone,
        "在线申请",
        f'href="/intake/s/{station.code}/"',
        f'src="/o/{station.code}/poster.svg"',
        f'href="/o/{station.code}/poster.pdf"',
        f'href="/o/{station.code}/poster.png"',
    ):
        assert expected in html, expected


@pytest.mark.parametrize("suffix", ["", "poster.pdf", "poster.png", "poster.svg"])
def test_only_stations_taking_claims_have_a_page_and_poster(client, directory, suffix):
    closed = OrganizationFactory(code="closed-station", region=directory.north, is_active=False)
    not_taking = OrganizationFactory(code="quiet-station", region=directory.north, accepts_claims=False)
    # A court that (wrongly) ticks "takes claims" still gets no poster: it does not mediate.
    directory.court.accepts_claims = True
    directory.court.save()
    assert client.get(f"/o/{directory.station.code}/{suffix}").status_code == 200
    for code in (directory.court.code, closed.code, not_taking.code, "no-such-org"):
        assert client.get(f"/o/{code}/{suffix}").status_code == 404, code


def test_the_admin_links_each_claim_taking_organization_to_its_poster(client, directory):
    client.force_login(directory.staff["station_admin"])
    listing = client.get(reverse("admin:organizations_organization_changelist")).content.decode()
    assert "二维码海报" in listing
    assert f'href="/o/{directory.station.code}/poster.pdf"' in listing

    page = client.get(reverse("admin:organizations_organization_change", args=[directory.station.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "二维码海报" in html
    assert f'href="/o/{directory.station.code}/poster.pdf"' in html
    assert f'href="/o/{directory.station.code}/"' in html


def test_the_superuser_sees_no_poster_link_for_a_court(admin_client, directory):
    listing = admin_client.get(reverse("admin:organizations_organization_changelist")).content.decode()
    assert f'href="/o/{directory.court.code}/poster.pdf"' not in listing
    page = admin_client.get(reverse("admin:organizations_organization_change", args=[directory.court.pk]))
    assert "仅启用且受理劳动者申请的调解组织有二维码海报" in page.content.decode()


def test_the_poster_opens_the_stations_intake_form(db):
    """The poster prints the contract path; it is the route the intake form answers."""
    assert posters.intake_path("station-a") == reverse("disputes:intake-station", args=["station-a"])
