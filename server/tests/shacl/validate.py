"""Validates RDF files against SHACL shapes with pySHACL, loading the shapes once.

usage: validate.py SHAPES.ttl[,MORE.ttl] FILE...   (format from the extension: .ttl, .jsonld, .rdf)
Prints "CONFORMS <file>" or "VIOLATES <file>" followed by pySHACL's report, per file.
"""
import sys

from pyshacl import validate
from rdflib import Graph

FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "nt": "nt"}


def main(shapes_path, files):
    shapes = Graph()
    for shapes_file in shapes_path.split(","):
        shapes.parse(shapes_file, format="turtle")
    for path in files:
        data = Graph().parse(path, format=FORMATS[path.rsplit(".", 1)[-1]])
        conforms, _, text = validate(data, shacl_graph=shapes, inference="none", abort_on_first=False)
        print(("CONFORMS " if conforms else "VIOLATES ") + path + f" ({len(data)} triples)")
        if not conforms:
            print(text)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
