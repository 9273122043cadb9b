"""orthoregen: pathway, cell product traceability and outcomes registry for MSC clinics."""

__version__ = "0.1.0"
