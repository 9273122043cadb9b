from django.apps import AppConfig


class ImagingConfig(AppConfig):
    """MRI studies: DICOM received, de-identified, linked to the follow-up MRI visit, and read."""

    name = "orthoregen.web.imaging"
    label = "imaging"
    verbose_name = "Imaging"
