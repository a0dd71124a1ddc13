"""JSON lines in and out of Ray Data as `nerkit extract` reads and writes them in one process, so that
the two engines' outputs compare byte for byte. Imports Ray: only `raydata.extract_with_ray` imports it.

Ray's own readers and writers do not fit: `read_json` types each column (an `id` column of strings and
numbers, or of numbers with gaps, comes back changed), `read_text` splits lines with `str.splitlines`,
which also breaks at U+2028, U+0085 and other characters a JSON string may hold as they are, and
`write_json` goes through pandas, which spells JSON its own way.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow
from ray.data.block import BlockAccessor
from ray.data.datasource import BlockBasedFileDatasink, FileBasedDatasource


class JsonLinesSource(FileBasedDatasource):
    """Each non-blank line of the files as text in `column`, split at "\\n" only, as the local reader
    splits them (`corpus.readers.json_objects`)."""

    def __init__(self, paths: list[str], column: str, file_extensions: list[str]) -> None:
        super().__init__(paths, file_extensions=file_extensions)
        self.column = column

    def _read_stream(self, f: pyarrow.NativeFile, path: str) -> Iterator[pyarrow.Table]:
        lines = (raw.decode("utf-8").rstrip("\r") for raw in f.readall().split(b"\n"))
        yield pyarrow.table({self.column: [line for line in lines if line.strip()]})


class JsonLinesSink(BlockBasedFileDatasink):
    """Writes the text in `column` of every row as it is: each holds one JSON line with its newline."""

    def __init__(self, path: str, column: str) -> None:
        super().__init__(path, file_format="json")
        self.column = column

    def write_block_to_file(self, block: BlockAccessor, file: pyarrow.NativeFile) -> None:
        file.write("".join(block.to_arrow().column(self.column).to_pylist()).encode("utf-8"))
