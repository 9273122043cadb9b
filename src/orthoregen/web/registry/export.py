"""Long-format registry exports (CSV, Parquet) for R, Stata and Python, plain or de-identified.

One row per patient-joint-visit-instrument-subscale (`data.tidy_scores`). Rows are read in
chunks of episodes, so a 100,000-patient export streams with constant memory and a
progress bar. Neither kind carries names, MRNs, dates of birth, contact details or free
text; the de-identified kind also drops dates and record ids (see deidentify.py and
DEIDENTIFICATION.md).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from django.db.models import QuerySet

from orthoregen.web.registry import data
from orthoregen.web.registry.deidentify import Deidentifier

CHUNK_EPISODES = 5000
FORMATS = ("csv", "parquet")
ANALYSIS_COLUMNS = ["patient_id", "episode_id", "site", "joint", "side", "grade_scale", "grade",
                    "sex", "age_at_treatment", "cell_source", "dose_cells", "dose_band",
                    "protocol_version", "timepoint", "days_from_treatment", "instrument",
                    "subscale", "value", "mode"]


def export_chunks(episodes: QuerySet, *, deidentified: bool,
                  progress: Callable[[int], None] | None = None) -> Iterator[pd.DataFrame]:
    """Yield the export table chunk by chunk; `progress(n)` is told of each chunk's episodes."""
    ids = list(episodes.order_by("pk").values_list("pk", flat=True))
    scrub = Deidentifier.for_one_export() if deidentified else None
    for start in range(0, len(ids), CHUNK_EPISODES):
        chunk_ids = ids[start:start + CHUNK_EPISODES]
        chunk = episodes.model.objects.filter(pk__in=chunk_ids)
        frames = data.RegistryFrames(
            episodes=data.episodes_frame(chunk), scores=data.scores_frame(chunk),
            visits=pd.DataFrame(), injections=pd.DataFrame(), adverse_events=pd.DataFrame())
        table = data.tidy_scores(frames)
        yield scrub.table(table) if scrub else table[ANALYSIS_COLUMNS]
        if progress:
            progress(len(chunk_ids))


def write_csv(chunks: Iterator[pd.DataFrame], out: io.IOBase) -> int:
    """Write chunks as one UTF-8 CSV with a header row; return the number of data rows."""
    rows = 0
    for i, chunk in enumerate(chunks):
        out.write(chunk.to_csv(index=False, header=i == 0, lineterminator="\n").encode("utf-8"))
        rows += len(chunk)
    return rows


def _arrow(chunk: pd.DataFrame, schema: pa.Schema | None) -> pa.Table:
    table = pa.Table.from_pandas(chunk, preserve_index=False)
    return table if schema is None else table.cast(schema)


def write_parquet(chunks: Iterator[pd.DataFrame], out: io.IOBase) -> int:
    """Write chunks as one Parquet file (one row group per chunk); return the row count."""
    writer, rows = None, 0
    for chunk in chunks:
        if writer is None:
            table = _arrow(_typed(chunk), None)
            writer = pq.ParquetWriter(out, table.schema)
        else:
            table = _arrow(_typed(chunk), writer.schema)
        writer.write_table(table)
        rows += len(chunk)
    if writer is None:
        return 0
    writer.close()
    return rows


def _typed(chunk: pd.DataFrame) -> pd.DataFrame:
    """Give columns stable types, so every chunk has the same Parquet schema."""
    out = chunk.copy()
    for column in out.columns:
        if column in ("value", "dose_cells"):
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
        elif column in ("grade", "days_from_treatment", "age_at_treatment", "patient_id",
                        "episode_id"):
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
        else:
            out[column] = out[column].astype("string")
    return out


def write_export(episodes: QuerySet, fmt: str, out: io.IOBase, *, deidentified: bool,
                 progress: Callable[[int], None] | None = None) -> int:
    """Write the export of these episodes to a binary file; return the number of rows."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    chunks = export_chunks(episodes, deidentified=deidentified, progress=progress)
    return write_csv(chunks, out) if fmt == "csv" else write_parquet(chunks, out)
