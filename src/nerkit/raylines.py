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

from nerkit.errors import NerkitError

CHUNK_BYTES = 4 << 20


class JsonLinesSource(FileBasedDatasource):
    """Each non-blank line of the files as text in `column`, split at "\\n" only, as the local reader
    splits them (`corpus.readers.json_objects`)."""

    def __init__(self, paths: list[str], column: str, file_extensions: list[str]) -> None:
        super().__init__(paths, file_extensions=file_extensions)
        self.column = column

    def _read_stream(self, f: pyarrow.NativeFile, path: str) -> Iterator[pyarrow.Table]:
        """A table per few megabytes read, so a file of any size streams; a line cut by a chunk's end
        is carried to the next."""
        carried = b""
        while chunk := f.read(CHUNK_BYTES):
            *lines, carried = (carried + chunk).split(b"\n")
            yield self._table(lines, path)
        yield self._table([carried], path)

    def _table(self, lines: list[bytes], path: str) -> pyarrow.Table:
        try:
            texts = [line.decode("utf-8").rstrip("\r") for line in lines]
        except UnicodeDecodeError as error:
            raise NerkitError("E005", f"not UTF-8 text ({error.reason})", path=path) from None
        return pyarrow.table({self.column: [text for text in texts if text.strip()]})


class JsonLinesSink(BlockBasedFileDatasink):
    """Writes the text in `column` of every row as it is: each holds one JSON line with its newline."""

    def __init__(self, path: str, column: str) -> None:
        super().__init__(path, file_format="json")
        self.column = column

    def write_block_to_file(self, block: BlockAccessor, file: pyarrow.NativeFile) -> None:
        file.write("".join(block.to_arrow().column(self.column).to_pylist()).encode("utf-8"))
