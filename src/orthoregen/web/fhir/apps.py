from django.apps import AppConfig


class FhirConfig(AppConfig):
    """HL7 FHIR R4 (R4B models) read, search, bulk export and import."""

    name = "orthoregen.web.fhir"
    label = "fhir"
    verbose_name = "Fhir"
