"""Map offsets in an inline token's content back to `line:col` in the original file.

markdown-it strips block prefixes (indentation, `>`, list markers) from inline content, so each
content line is a suffix of its file line, bar whitespace: the column is found from that suffix.
"""
from __future__ import annotations


class LineMap:
    def __init__(self, text: str):
        # markdown-it reads NUL as U+FFFD; same length, so columns stay right, and suffixes still match
        self.lines = text.replace("\0", "\ufffd").split("\n")

    def inline_position(self, content: str, first_line: int, offset: int) -> tuple[int, int]:
        """1-based (line, col) of `offset` in `content`, an inline token whose first line is the file's line
        `first_line` (0-based: `first_content_line`)."""
        line_index = content.count("\n", 0, offset)
        line_start = content.rfind("\n", 0, offset) + 1
        line_end = content.find("\n", offset)
        inline_line = content[line_start : None if line_end < 0 else line_end]
        file_index = first_line + line_index
        original = self.lines[file_index] if file_index < len(self.lines) else ""
        return file_index + 1, self._base(original, inline_line) + offset - line_start + 1

    def first_content_line(self, content: str, first_line: int) -> int:
        """The file line of `content`'s first line, for an inline token whose map starts at `first_line`.
        markdown-it-py trims block content with str.strip, which drops leading lines of Unicode spaces (a line
        of U+00A0 from a feed) that the token's map still counts."""
        head = content.split("\n", 1)[0].strip()
        while head and first_line + 1 < len(self.lines) and head not in self.lines[first_line]:
            first_line += 1
        return first_line

    def column_of(self, line: int, needle: str) -> int:
        """1-based column of `needle` on 1-based `line`, or 1."""
        original = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return original.find(needle) + 1 if needle in original else 1

    @staticmethod
    def _base(original: str, inline_line: str) -> int:
        tail = inline_line.rstrip()
        stripped = original.rstrip()
        if tail and stripped.endswith(tail):
            return len(stripped) - len(tail)
        core = tail.lstrip()
        found = original.find(core) if core else -1
        return found - (len(tail) - len(core)) if found >= 0 else 0
