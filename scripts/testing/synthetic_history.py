"""Writes a deterministic synthetic Git history as a `git fast-import` stream on standard output.

Usage: synthetic_history.py COMMITS FILES SHAPE

SHAPE `real` (the default of scripts/bench-analysis) follows the measured shape of a long-lived public C project of
81,966 commits: a quarter of the commits are merges of short topic branches; files per non-merge commit have median
1, p90 4, p99 15 and rare mass edits of hundreds of files; changed lines per file change have median 6, p90 48 and a
long tail; about 8,200 distinct paths over the history for ~4,800 at HEAD (additions, deletions, renames, a few mass
renames); twenty years of dates; thousands of authors; a flat C layout with shell tests, documentation and test
data. FILES is the number of files kept at HEAD.

SHAPE `uniform` is the earlier synthetic repository: 40 authors, a merge every 400 commits, small commits, no
long tail (its line edits now follow the same rules as `real`). Both are generated from a fixed seed, so the same arguments give the same history.
"""

import math
import random
import sys

commits, max_files, shape = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
out = sys.stdout.buffer
rng = random.Random(7 if shape == "uniform" else 11)
mark = 0
counter = 0


def data(text):
    b = text.encode() if isinstance(text, str) else text
    return b"data %d\n" % len(b) + b + b"\n"


def write_commit(branch, when, author, message, ops, parent=None, merge=None):
    global mark
    mark += 1
    name, email = author
    out.write(b"commit refs/heads/%s\nmark :%d\n" % (branch.encode(), mark))
    out.write(f"author {name} <{email}> {when} +0000\ncommitter {name} <{email}> {when} +0000\n".encode())
    out.write(data(message))
    if parent is not None:
        out.write(b"from :%d\n" % parent)
    if merge is not None:
        out.write(b"merge :%d\n" % merge)
    for op in ops:
        op()
    return mark


class Tree:
    """The files at the tip of main, their lines, and which of them carry markers."""

    def __init__(self, comment_of, marker_rate):
        self.files, self.order, self.messy = {}, [], set()
        # Paths written and removed since the last merge: what a merge commit must write again.
        self.dirty, self.gone = set(), set()
        self.comment_of, self.marker_rate = comment_of, marker_rate

    def line(self, path):
        global counter
        counter += 1
        if path in self.messy and rng.random() < self.marker_rate:
            word = rng.choice(["TODO", "FIXME", "HACK", "XXX", "NEEDSWORK"])
            return f"    {self.comment_of(path)} {word}: revisit item {counter} before the next release"
        return f"    value{counter} = compute({rng.randrange(1000)}, {counter % 97});"

    def add(self, path, length):
        if rng.random() < 0.08:
            self.messy.add(path)
        self.files[path] = [self.line(path) for _ in range(length)]
        self.order.append(path)
        self.dirty.add(path)

    def pick(self):
        # Recent files and a few old ones are hot: a skewed choice gives realistic churn.
        n = len(self.order)
        i = int(n * (1 - rng.random() ** 3)) if rng.random() < 0.7 else int(n * rng.random() ** 4)
        return self.order[min(i, n - 1)]

    def change(self, path, changed):
        """Removes and adds lines so that about `changed` lines differ, keeping the file under 2,000 lines."""
        lines = self.files[path]
        removed = min(len(lines), changed // 2)
        pos = rng.randrange(len(lines) - removed + 1)
        del lines[pos:pos + removed]
        for _ in range(max(1, changed - removed)):
            lines.insert(pos, self.line(path))
        if len(lines) > 2000:
            del lines[:len(lines) - 1600]
        self.dirty.add(path)

    def emit(self, path):
        out.write(b"M 100644 inline " + path.encode() + b"\n" + data("\n".join(self.files[path]) + "\n"))

    def forget_changes(self):
        """Starts a topic branch: nothing written or removed since main."""
        self.dirty, self.gone = set(), set()

    def rename(self, path, target):
        """Renames now; returns the operation that writes it."""
        self.files[target] = self.files.pop(path)
        self.order[self.order.index(path)] = target
        if path in self.messy:
            self.messy.add(target)
        self.dirty.add(target)
        self.gone.add(path)
        return lambda: out.write(f"R {path} {target}\n".encode())

    def delete(self, path):
        """Deletes now; returns the operation that writes it."""
        del self.files[path]
        self.order.remove(path)
        self.messy.discard(path)
        self.gone.add(path)
        return lambda: out.write(f"D {path}\n".encode())


def uniform():
    """The earlier synthetic repository's shape: few authors, rare merges, small commits."""
    authors = [(f"Author {i}", f"author{i}@example.com") for i in range(40)]
    weights = [1.0 / (i + 1) ** 1.2 for i in range(len(authors))]
    extensions = [".swift"] * 6 + [".py"] * 2 + [".go", ".js"]
    dirs = [f"Sources/Module{i}" for i in range(25)] + [f"lib/pkg{i}" for i in range(15)]
    tree = Tree(lambda p: "#" if p.endswith(".py") else "//", 0.01)

    def new_file():
        global counter
        counter += 1
        ext, d = rng.choice(extensions), rng.choice(dirs)
        stem = f"file{counter}"
        path = f"{d}/{stem}{ext}"
        if rng.random() < 0.25:
            path = {".swift": f"Tests/{d.split('/')[-1]}Tests/{stem}Tests.swift", ".py": f"tests/test_{stem}.py",
                    ".go": f"{d}/{stem}_test.go", ".js": f"{d}/{stem}.test.js"}[ext]
        tree.add(path, rng.randrange(10, 60))
        return path

    def author():
        return rng.choices(authors, weights)[0]

    when = 1_500_000_000
    readme = "# Synthetic\n\nA generated repository for benchmarks.\n"
    first = [new_file() for _ in range(300)]
    ops = [lambda: out.write(b"M 100644 inline README.md\n" + data(readme))] + [lambda p=p: tree.emit(p) for p in first]
    ops.append(lambda: out.write(b"M 100644 inline assets/logo.png\n" + data(b"\x00PNG" + b"x" * 500)))
    head = write_commit("main", when, author(), "Initial import", ops)
    i = 1
    while i < commits:
        when += rng.randrange(600, 3600)
        if i % 400 == 0 and i + 3 < commits:
            side, touched = head, []
            for _ in range(2):
                p = tree.pick()
                tree.change(p, rng.randrange(1, 8))
                touched.append(p)
                side = write_commit("side", when, author(), f"Side change to {p}", [lambda p=p: tree.emit(p)], parent=side)
                when += 60
                i += 1
            head = write_commit("main", when, author(), "Merge branch 'side'",
                                [lambda ps=touched: [tree.emit(p) for p in ps]], parent=head, merge=side)
            i += 1
            continue
        r, ops = rng.random(), []
        if r < 0.04 and len(tree.order) < max_files:
            p = new_file()
            ops.append(lambda p=p: tree.emit(p))
            msg = f"Add {p}"
        elif r < 0.045 and len(tree.order) > 50:
            p = tree.pick()
            q = f"{rng.choice(dirs)}/{p.rsplit('/', 1)[-1]}"
            if q in tree.files:
                q = q.replace(".", "_moved.", 1)
            ops.append(tree.rename(p, q))
            msg = f"Move {p} to {q}"
        elif r < 0.048 and len(tree.order) > 50:
            p = tree.pick()
            ops.append(tree.delete(p))
            msg = f"Remove {p}"
        elif r < 0.058:
            readme += f"\nNotes for release {i}.\n"
            ops.append(lambda text=readme: out.write(b"M 100644 inline README.md\n" + data(text)))
            msg = f"Document release {i}"
        else:
            touched = {tree.pick() for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4, 6]))}
            for p in touched:
                tree.change(p, rng.randrange(1, 8))
                ops.append(lambda p=p: tree.emit(p))
            msg = f"Change {len(touched)} files for item {i}"
        head = write_commit("main", when, author(), msg, ops, parent=head)
        i += 1


def real():
    """Topic branches merged into main, long-tailed commit and change sizes, a real project's layout."""
    authors = [(f"Author {i}", f"author{i}@example.com") for i in range(2600)]
    weights = [1.0 / (i + 1) ** 1.1 for i in range(len(authors))]
    # Folder, extension, share of new files: a flat C core, shell tests, documentation, test data, translations.
    layout = [("", ".c", 10), ("", ".h", 6), ("builtin", ".c", 3), ("compat", ".c", 2), ("xdiff", ".c", 1),
              ("refs", ".c", 1), ("t", ".sh", 24), ("t/helper", ".c", 2), ("Documentation", ".adoc", 18),
              ("contrib/completion", ".bash", 1), ("git-gui/lib", ".tcl", 1), ("po", ".po", 1)]
    shares = [entry[2] for entry in layout]
    data_dirs = [f"t/t{n:04d}" for n in range(0, 9000, 30)]
    comment = {".c": "//", ".h": "//", ".sh": "#", ".adoc": "//", ".bash": "#", ".tcl": "#", ".po": "#"}

    def comment_of(path):
        return comment.get(path[path.rfind("."):], "#")

    tree = Tree(comment_of, 0.004)

    def new_path():
        global counter
        counter += 1
        if rng.random() < 0.2:
            return f"{rng.choice(data_dirs)}/case{counter}.expect"
        folder, ext, _ = rng.choices(layout, shares)[0]
        name = f"t{counter:04d}-case" if folder == "t" else f"part{counter}"
        return f"{folder}/{name}{ext}" if folder else f"{name}{ext}"

    def new_file():
        path = new_path()
        # File lengths: median about 80 lines, a long tail of big ones.
        tree.add(path, max(3, min(1800, int(rng.lognormvariate(math.log(80), 1.0)))))
        return path

    def changed_lines():
        # Median 6, p90 about 48 and a long tail, as in the measured history.
        return max(1, min(39_000, int(rng.lognormvariate(math.log(6), 1.45))))

    def files_in_commit():
        r = rng.random()
        if r < 0.55:
            return 1
        if r < 0.72:
            return 2
        if r < 0.82:
            return 3
        if r < 0.90:
            return 4
        if r < 0.99:
            return rng.randint(5, 15)
        if r < 0.9998:
            return rng.randint(16, 100)
        return rng.randint(100, 928)

    def author():
        return rng.choices(authors, weights)[0]

    def body(when):
        """The operations of one non-merge commit and its message; changes the tree."""
        ops, count = [], files_in_commit()
        if count > 100 and len(tree.order) > 400 and rng.random() < 0.25:
            # A mass rename of a folder's files, as documentation moves to a new format do.
            folder = rng.choice(["Documentation", "t"])
            moved = [p for p in tree.order if p.startswith(folder + "/") and p.count("/") == 1][:count]
            for p in moved:
                ops.append(tree.rename(p, p + ".moved"))
            return ops, f"{folder}: rename {len(moved)} files"
        touched = set()
        for _ in range(count):
            r = rng.random()
            if r < 0.042 and len(tree.order) < max_files:
                p = new_file()
                touched.add(p)
                ops.append(lambda p=p: tree.emit(p))
            elif r < 0.050 and len(tree.order) > 200:
                p = tree.pick()
                if p in touched:
                    continue
                folder = p.rsplit("/", 1)[0] if "/" in p else ""
                target = f"{folder}/moved{counter}-{p.rsplit('/', 1)[-1]}" if folder else f"moved{counter}-{p}"
                ops.append(tree.rename(p, target))
                touched.add(target)
            elif r < 0.061 and len(tree.order) > 200:
                p = tree.pick()
                if p in touched:
                    continue
                ops.append(tree.delete(p))
            elif r < 0.0618:
                ops.append(lambda n=counter: out.write(
                    b"M 100644 inline Documentation/images/figure.png\n" + data(b"\x00PNG" + bytes([n % 251]) * 700)))
            else:
                p = tree.pick()
                if p in touched:
                    continue
                touched.add(p)
                tree.change(p, changed_lines())
                ops.append(lambda p=p: tree.emit(p))
        verb = rng.choice(["fix", "add", "teach", "refactor", "document", "avoid", "use", "remove"])
        return ops, f"area: {verb} item {when % 100000}"

    when = 1_112_832_000  # April 2005
    first = [new_file() for _ in range(60)]
    head = write_commit("main", when, author(), "Initial revision", [lambda p=p: tree.emit(p) for p in first])
    i = 1
    # About 7,900 seconds apart on average: 82,000 commits span twenty years.
    while i < commits:
        when += int(rng.expovariate(1 / 7900)) + 1
        if rng.random() < 0.08 or i + 2 >= commits:
            ops, message = body(when)
            head = write_commit("main", when, author(), message, ops, parent=head)
            i += 1
            continue
        # A topic: 1 to 8 commits (2.9 on average) on a branch from main, then a merge.
        topic, side = 1 + min(7, int(rng.expovariate(1 / 1.9))), head
        tree.forget_changes()
        for _ in range(min(topic, commits - i - 1)):
            ops, message = body(when)
            side = write_commit("topic", when, author(), message, ops, parent=side)
            when += rng.randrange(60, 7200)
            i += 1
        # Main did not move meanwhile, so the merge's tree is the topic's: what the topic wrote is written again.
        ops = [lambda p=p: out.write(f"D {p}\n".encode()) for p in sorted(tree.gone - set(tree.files))]
        ops += [lambda p=p: tree.emit(p) for p in sorted(tree.dirty & set(tree.files))]
        head = write_commit("main", when, author(), f"Merge branch 'topic-{i}'", ops, parent=head, merge=side)
        i += 1


if shape == "uniform":
    uniform()
elif shape == "real":
    real()
else:
    sys.exit(f"unknown shape {shape!r}: use real or uniform")
out.write(b"done\n")
