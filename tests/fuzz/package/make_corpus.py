#!/usr/bin/env python3
"""Writes the package fuzz seeds: a valid job package and archives that try to escape."""
import io
import os
import tarfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def pkg(name, entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    with open(os.path.join(OUT, name + ".tar.gz"), "wb") as f:
        f.write(buf.getvalue())


def file(path, data):
    info = tarfile.TarInfo(path)
    info.size = len(data)
    return info, data


def link(path, target, kind):
    info = tarfile.TarInfo(path)
    info.type = kind
    info.linkname = target
    return info, None


def directory(path):
    info = tarfile.TarInfo(path)
    info.type = tarfile.DIRTYPE
    return info, None


os.makedirs(OUT, exist_ok=True)
props = b"job.name=wc\ntask.class=WordCount\ntask.library=libwc.so\ntask.inputs=eddy.lines\n"
pkg("valid", [directory("lib"), file("lib/libwc.so", b"\x7fELF"), directory("config"),
              file("config/wc.properties", props)])
pkg("dotdot", [file("../escape.txt", b"x"), file("config/a.properties", props)])
pkg("absolute", [file("/tmp/eddy-fuzz-absolute.txt", b"x")])
pkg("symlink_out", [link("lib/evil", "/etc", tarfile.SYMTYPE), file("lib/evil/x", b"x")])
pkg("hardlink_out", [link("lib/h", "../../etc/passwd", tarfile.LNKTYPE)])
pkg("fifo", [link("lib/f", "", tarfile.FIFOTYPE)])
print("wrote package seeds to", OUT)
