"""Reads a DOCX with python-docx and prints what the tests check, as JSON.

Usage: python3 check_docx.py FILE.docx
"""

import json
import sys

import docx

d = docx.Document(sys.argv[1])
body = d.element.body
section = d.sections[0]


def cells(table):
    return [[c.text for c in row.cells] for row in table.rows]


def texts():
    """Every paragraph of the body and every cell of its tables, in order."""
    out = [p.text for p in d.paragraphs]
    for table in d.tables:
        out.extend(text for row in cells(table) for text in row)
    return out


print(
    json.dumps(
        {
            "first": body[0].tag.split("}")[1],
            "header_columns": len(d.tables[0].columns),
            "header_cells": cells(d.tables[0]),
            "signature_cells": cells(d.tables[-1]),
            "tables": len(d.tables),
            "texts": texts(),
            "paragraphs": [{"style": p.style.name, "text": p.text} for p in d.paragraphs],
            "page_mm": [
                round(v.mm, 1)
                for v in (
                    section.page_width,
                    section.page_height,
                    section.top_margin,
                    section.bottom_margin,
                    section.left_margin,
                    section.right_margin,
                )
            ],
            "different_first_page": section.different_first_page_header_footer,
            "first_page_header": [p.text for p in section.first_page_header.paragraphs],
            "images": len(d.inline_shapes),
        },
        ensure_ascii=False,
    )
)
