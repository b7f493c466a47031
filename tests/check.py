#!/usr/bin/env python3
"""check.py - holds cr.h to its own map (./build.sh check).

The table of contents at the top of cr.h names each section with its >>tag
and its public prefixes, in dependency order. This script fails when:
  - the implementation banners do not list the TOC's sections in its order,
    or the declaration banners do not list those that have public prefixes;
  - a function calls (or takes the address of) a function defined in a later
    section: lower sections never call higher ones;
  - a public (CR_API) function does not carry one of its section's prefixes;
  - the implementation allocates outside the CR_MALLOC family;
  - a function is longer than MAX_LINES lines;
  - a public callback takes its user pointer anywhere but first.
Each finding is one line `cr.h:LINE: what`; the exit status is 1 if any.
    python3 tests/check.py [cr.h] [--map]   (--map prints the section map)
"""
import re
import sys

MAX_LINES = 100
BANNER = re.compile(r'^(?:/\*|\s\*)\s.*?>>([a-z][a-z0-9_]*)\b')
TOC_LINE = re.compile(r'^\s+>>([a-z][a-z0-9_]*)\s+((?:cr_\w*\*?,?\s*)+|\(none\))')
IDENT = re.compile(r'\b[A-Za-z_]\w*\b')
RAW_ALLOC = re.compile(r'\b(malloc|calloc|realloc|free|strdup|strndup|asprintf|vasprintf|getline|getdelim|'
                       r'open_memstream|scandir)\s*\(')
REALPATH_ALLOC = re.compile(r'\brealpath\s*\([^,]*,\s*NULL\s*\)')


def strip_code(lines):
    """Lines with comments, string and char literals blanked (same length)."""
    out, in_comment = [], False
    for line in lines:
        res, i, n = [], 0, len(line)
        while i < n:
            c = line[i]
            if in_comment:
                if line.startswith('*/', i):
                    in_comment = False
                    res.append('  ')
                    i += 2
                else:
                    res.append(' ')
                    i += 1
            elif line.startswith('/*', i):
                in_comment = True
                res.append('  ')
                i += 2
            elif line.startswith('//', i):
                res.append(' ' * (n - i))
                break
            elif c in '"\'':
                j = i + 1
                while j < n and line[j] != c:
                    j += 2 if line[j] == '\\' else 1
                res.append(c + ' ' * (min(j, n) - i - 1) + (c if j < n else ''))
                i = j + 1
            else:
                res.append(c)
                i += 1
        out.append(''.join(res))
    return out


def read_toc(lines):
    toc, inside = [], False
    for no, line in enumerate(lines, 1):
        if line.startswith('   Sections'):
            inside = True
            continue
        if inside:
            if line.startswith('*/'):
                break
            m = TOC_LINE.match(line)
            if m:
                prefixes = [p.rstrip('*') for p in m.group(2).replace(',', ' ').split() if p != '(none)']
                toc.append((m.group(1), prefixes, no))
    return toc


def functions(code, start):
    """(name, first line, last line, body text) of each function defined at
    file scope from line index start on."""
    found, depth, i = [], 0, start
    head = []
    while i < len(code):
        line = code[i]
        if depth == 0 and not head and re.match(r'^[A-Za-z_]', line) and '(' in line \
                and not line.startswith(('typedef', 'struct', 'enum', 'union')) and '=' not in line.split('(')[0]:
            head = [i]
        if head and depth == 0:
            stripped = line.rstrip()
            if stripped.endswith(';') and '{' not in stripped:
                head = []
            elif '{' in line:
                m = re.search(r'(\w+)\s*\(', code[head[0]])
                body_start = i
                d = 0
                j = i
                while j < len(code):
                    d += code[j].count('{') - code[j].count('}')
                    if d <= 0 and j >= body_start and '}' in code[j]:
                        break
                    j += 1
                if m:
                    found.append((m.group(1), head[0] + 1, j + 1, '\n'.join(code[head[0]:j + 1])))
                head = []
                i = j + 1
                continue
        if not head:
            depth += line.count('{') - line.count('}')
        i += 1
    return found


def main(argv):
    path = next((a for a in argv[1:] if not a.startswith('--')), 'cr.h')
    show_map = '--map' in argv
    lines = open(path, encoding='utf-8').read().split('\n')
    code = strip_code(lines)
    problems = []

    def bad(no, msg):
        problems.append('%s:%d: %s' % (path, no, msg))

    impl_at = next((i for i, l in enumerate(lines) if l.startswith('#ifdef CR_IMPLEMENTATION')), None)
    if impl_at is None:
        bad(1, 'no #ifdef CR_IMPLEMENTATION')
        impl_at = len(lines)
    toc = read_toc(lines)
    if not toc:
        bad(1, 'no table of contents (a "Sections" list of ">>tag prefixes" lines in the doc block)')
    banners = [(m.group(1), i + 1) for i, l in enumerate(lines) if (m := BANNER.match(l))]
    decl = [b for b in banners if b[1] <= impl_at]
    impl = [b for b in banners if b[1] > impl_at]
    toc_order = [t[0] for t in toc]
    public_order = [t[0] for t in toc if t[1]]
    for what, got, want in (('declaration', decl, public_order), ('implementation', impl, toc_order)):
        order = [b[0] for b in got]
        if order != want:
            bad(got[0][1] if got else 1, '%s banners %s differ from the TOC %s' % (what, order, want))
    rank = {tag: k for k, tag in enumerate(toc_order)}
    prefixes = {t[0]: t[1] for t in toc}

    def section_at(no, bans):
        tag = None
        for t, at in bans:
            if at > no:
                break
            tag = t
        return tag

    # public names carry their section's prefix
    for i in range(impl_at):
        m = re.match(r'^CR_API\b.*?\b(cr_\w+)\s*\(', code[i])
        if m:
            tag = section_at(i + 1, decl)
            if tag is None:
                bad(i + 1, 'public %s is declared before the first section banner' % m.group(1))
            elif not any(m.group(1).startswith(p) for p in prefixes.get(tag, [])):
                bad(i + 1, 'public %s in section %s lacks its prefixes %s' % (m.group(1), tag, prefixes.get(tag)))

    # callbacks: (*fn)(void *user, ...)
    for i in range(impl_at):
        for m in re.finditer(r'\(\*\s*(\w+)\s*\)\s*\(([^()]*)\)', code[i]):
            params = [x.strip() for x in m.group(2).split(',')]
            if 'void *user' in params and params[0] != 'void *user':
                bad(i + 1, 'callback %s takes void *user as parameter %d (first, by the convention)' % (m.group(1), params.index('void *user') + 1))

    defs = functions(code, impl_at)
    home = {}
    for name, first, last, _ in defs:
        home.setdefault(name, section_at(first, impl))
    for name, first, last, body in defs:
        tag = home[name]
        if last - first + 1 > MAX_LINES:
            bad(first, '%s is %d lines (at most %d)' % (name, last - first + 1, MAX_LINES))
        if tag not in rank:
            bad(first, '%s is outside every section' % name)
            continue
        called = set(IDENT.findall(body.split('(', 1)[1] if '(' in body else body)) - {name}
        for callee in sorted(called):
            t = home.get(callee)
            if t in rank and rank[t] > rank[tag]:
                bad(first, '%s (%s) calls %s of a later section (%s)' % (name, tag, callee, t))

    for i in range(impl_at, len(lines)):
        if re.match(r'^\s*#\s*define\s+CR_(MALLOC|REALLOC|FREE)\b', lines[i]):
            continue
        m = RAW_ALLOC.search(code[i]) or REALPATH_ALLOC.search(code[i])
        if m and not re.search(r'\b(CR_|cr__)\w*\s*$', code[i][:m.start()]):
            bad(i + 1, 'allocates with %s outside CR_MALLOC/CR_REALLOC/CR_FREE' % m.group(0).rstrip('( '))

    if show_map:
        counts = {}
        for name, first, last, _ in defs:
            counts.setdefault(home[name], [0, 0])
            counts[home[name]][0] += 1
        for k, (tag, at) in enumerate(impl):
            end = impl[k + 1][1] - 1 if k + 1 < len(impl) else len(lines)
            print('%-10s %6d lines %4d functions  %s' % (tag, end - at + 1, counts.get(tag, [0])[0],
                                                          ' '.join(p + '*' for p in prefixes.get(tag, []))))
    for p in problems:
        print(p)
    if problems:
        print('check: %d problem(s) in %s' % (len(problems), path), file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
