"""REDCap exchange (placeholder while being written)."""


class RedcapError(Exception):
    pass
