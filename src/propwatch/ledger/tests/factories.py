import datetime

from propwatch.ledger import services
from propwatch.ledger.choices import Level, Source
from propwatch.registry.tests.factories import ProjectFactory


def register(actor, project=None, *, focus: int = 2, level: str = Level.STREET, found_on=None, **kwargs):
    """Register a problem through the service, as a user would."""
    from django.utils import timezone

    return services.register_problem(
        actor=actor, project=project or ProjectFactory(), focus=focus, description="小区入口被商户占用经营",
        source=kwargs.pop("source", Source.INSPECTION), found_on=found_on or timezone.localdate(), level=level,
        **kwargs,
    )


def png_upload(name: str = "photo.png", exif_gps: bool = False):
    """A small real PNG (or JPEG with GPS EXIF) as an upload."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    img = Image.new("RGB", (40, 30), (200, 30, 30))
    if exif_gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (30.0, 41.0, 0.0), 3: "E", 4: (111.0, 17.0, 0.0)}  # GPSInfo
        exif[0x010F] = "TestCam"  # Make
        img.save(buf, "JPEG", exif=exif)
        return SimpleUploadedFile(name.replace(".png", ".jpg"), buf.getvalue(), content_type="image/jpeg")
    img.save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def pdf_upload(name: str = "report.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


TODAY = datetime.date(2026, 12, 3)


def bring_to(state: str, county, company_user):
    """A street-level problem of the company's 西陵 project, moved through the services to `state`.

    The county officer registers, assigns and verifies; the company starts and submits.
    """
    from propwatch.ledger.choices import State

    p = register(county, company_user.department.company.projects.get(name="江城西陵花园"))
    if state == State.REGISTERED:
        return p
    p = services.assign_problem(actor=county, problem=p, version=p.version, department=county.department)
    if state == State.ASSIGNED:
        return p
    p = services.start_rectification(actor=company_user, problem=p, version=p.version)
    if state == State.RECTIFYING:
        return p
    p = services.submit_rectification(actor=company_user, problem=p, version=p.version, note="已按要求整改",
                                      files=[png_upload()])
    if state == State.AWAITING_VERIFICATION:
        return p
    return services.close_problem(actor=county, problem=p, version=p.version)
