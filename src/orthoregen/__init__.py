"""orthoregen: pathway, cell product traceability and outcomes registry for MSC injection clinics."""

__version__ = "0.1.0"
