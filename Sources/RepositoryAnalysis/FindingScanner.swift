import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A credential found in a file. The value itself never leaves the scan: only its masked form and a digest.
struct SecretHit: Sendable, Hashable {
    /// The line, from 1.
    var line: Int
    /// The rule that matched (`AWS access key`, `private key`, `GitHub token`, …).
    var rule: String
    /// The line with the credential masked.
    var masked: String
    /// A digest of the credential, to tell two credentials apart without keeping either.
    var digest: String
}

/// What the finding scan looks for in one file, beyond markers: known-broken tests (in test files), crash stubs
/// (in shipped code), repeated suppressions and workarounds, references to project files, and credentials. Each
/// rule is a cheap line test, listed in `docs/analysis.md`.
enum FindingScanner {
    /// What one file holds.
    struct Result: Sendable, Hashable {
        var brokenTests: [MarkerHit] = []
        var crashStubs: [MarkerHit] = []
        var suppressions: [MarkerHit] = []
        var references: [MarkerHit] = []
        var secrets: [SecretHit] = []
    }

    /// Byte strings whose presence lets a rule run at all; most files hold none, and are never split into lines.
    private static let testTriggers = [
        "skip", "xfail", "Skip", "xit(", "xdescribe(", "xtest(", "expectedFailure", "disabled", "Disabled", "Ignore",
        "ignore", "failing(", "fails(", "test_expect_failure",
    ].map { Array($0.utf8) }
    private static let stubTriggers = [
        "fatalError", "preconditionFailure", "NotImplementedError", "todo!", "unimplemented!", "panic(", "throw new",
        "TODO(",
    ].map { Array($0.utf8) }
    private static let referenceTriggers: [String: [[UInt8]]] = [
        "Python": ["import "], "JavaScript": ["from '", "from \"", "require(", "import("],
        "TypeScript": ["from '", "from \"", "require(", "import("], "C": ["#include \""], "C++": ["#include \""],
        "Objective-C": ["#include \""], "Swift": ["import "],
    ].mapValues { $0.map { Array($0.utf8) } }

    /// Whether a line holds one of `testTriggers`.
    static func hasTestTrigger(_ line: Substring) -> Bool {
        var line = line
        return line.withUTF8 { bytes in
            testTriggers.contains { contains(UnsafeRawBufferPointer(bytes), $0) }
        }
    }

    /// Whether `needle` occurs in `bytes`.
    static func contains(_ bytes: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        firstOffset(of: needle, in: bytes) != nil
    }

    /// Where `needle` first occurs in `bytes` at or after `from`: `memchr` finds each candidate first byte
    /// (vectorised in the C library), `memcmp` checks the rest.
    static func firstOffset(of needle: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
        guard let base = bytes.baseAddress, let first = needle.first, bytes.count >= needle.count else { return nil }
        return needle.withUnsafeBytes { needle -> Int? in
            guard let target = needle.baseAddress else { return nil }
            var start = from
            let last = bytes.count - needle.count
            while start <= last, let found = memchr(base + start, Int32(first), last - start + 1) {
                let offset = base.distance(to: UnsafeRawPointer(found))
                if memcmp(base + offset, target, needle.count) == 0 { return offset }
                start = offset + 1
            }
            return nil
        }
    }

    /// Whether a file's name says it holds stand-in data (`gcs-fake-service-account.json`, `dummy.pem`,
    /// `example.env`): a credential in it is a placeholder, like one in a test.
    static func namesPlaceholder(_ path: String) -> Bool {
        let name = (path.split(separator: "/").last ?? "").lowercased()
        return name.split(whereSeparator: { !$0.isLetter }).contains {
            ["fake", "dummy", "example", "sample", "mock", "placeholder", "fixture", "testdata"].contains(String($0))
        }
    }

    /// Scans the text of the file at `path`; `isTest` for test files, `isShipped` for code users run.
    /// `holdsFixtures` for code whose keys serve a benchmark or an example, as a test's do.
    static func scan(
        _ bytes: UnsafeRawBufferPointer, path: String, language: String, isTest: Bool, isShipped: Bool,
        holdsFixtures: Bool = false
    ) -> Result {
        var result = Result()
        result.secrets = secrets(in: bytes, isTest: isTest || holdsFixtures)
        let wantsTests = isTest && testTriggers.contains { contains(bytes, $0) }
        let wantsStubs = isShipped && stubTriggers.contains { contains(bytes, $0) }
        let patterns = isTest ? [] : suppressionBytes.filter { contains(bytes, $0.bytes) }.map(\.pattern)
        let wantsReferences = referenceTriggers[language]?.contains { contains(bytes, $0) } ?? false
        guard wantsTests || wantsStubs || !patterns.isEmpty || wantsReferences else { return result }
        let lines = lines(of: bytes)
        if wantsTests { result.brokenTests = brokenTests(lines, language: language, path: path) }
        if wantsStubs { result.crashStubs = crashStubs(lines, language: language) }
        if !patterns.isEmpty { result.suppressions = suppressions(lines, patterns: patterns) }
        if wantsReferences { result.references = references(lines, language: language) }
        return result
    }

    /// The text's lines, split at each newline byte, a `\r` before it kept (`trimmed` drops it). Splitting by
    /// `Character` costs a grapheme check per byte, and never splits a `\r\n` file, whose line ends are one
    /// character each.
    static func lines(of bytes: UnsafeRawBufferPointer) -> [Substring] {
        var text = String(decoding: bytes, as: UTF8.self)
        // The decoded text's own bytes: a repaired invalid sequence is longer than the bytes it replaced.
        let newlines = text.withUTF8 { newlineOffsets(in: UnsafeRawBufferPointer($0)) }
        let utf8 = text.utf8
        var lines: [Substring] = []
        lines.reserveCapacity(newlines.count + 1)
        var start = utf8.startIndex
        for newline in newlines {
            let end = utf8.index(utf8.startIndex, offsetBy: newline)
            lines.append(text[start..<end])
            start = utf8.index(after: end)
        }
        lines.append(text[start...])
        return lines
    }

    /// The offsets of the newline bytes in `bytes`, found with `memchr`.
    static func newlineOffsets(in bytes: UnsafeRawBufferPointer) -> [Int] {
        var offsets: [Int] = []
        var from = 0
        while let newline = firstOffset(of: newlineByte, in: bytes, from: from) {
            offsets.append(newline)
            from = newline + 1
        }
        return offsets
    }

    /// A line without its leading and trailing spaces and tabs, cheaply.
    static func trimmed(_ line: Substring) -> Substring {
        // By bytes: the characters trimmed are ASCII, and a line is trimmed on every rule.
        let utf8 = line.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, utf8[start] == 0x20 || utf8[start] == 0x09 { utf8.formIndex(after: &start) }
        while start < end {
            let last = utf8.index(before: end)
            guard utf8[last] == 0x20 || utf8[last] == 0x09 || utf8[last] == 0x0D else { break }
            end = last
        }
        return line[start..<end]
    }

    private static func hit(_ line: Substring, _ number: Int, _ kind: String, _ text: String) -> MarkerHit {
        MarkerHit(
            line: number, kind: kind, text: SourceText.shorten(text),
            excerpt: SourceText.shorten(String(line).trimmingWhitespace()))
    }

    // MARK: Known-broken tests

    /// Tests marked expected to fail, skipped or disabled without a condition: `@pytest.mark.xfail`,
    /// `@pytest.mark.skip`, `@unittest.skip`, `@unittest.expectedFailure`, `pytest.skip()` as a test's first
    /// statement, `throw XCTSkip(…)` not under a condition, `@Test(.disabled…)`, `#[ignore]`, `t.Skip()` in a Go
    /// test's body, `it.skip`/`test.skip`/`describe.skip`/`xit`/`xdescribe`/`test.failing`, `@Disabled`,
    /// `@Ignore`, and `test_expect_failure` in shell test suites. Conditional skips (`skipif`, `skipIf`,
    /// `XCTSkipIf`, a skip under an `if`, an `#[ignore]` under `#[cfg(…)]` or `#[rustversion::…]`, a marker right
    /// under a comment that puts it down to the environment) and helpers that only build a marker are not broken
    /// tests.
    static func brokenTests(_ lines: [Substring], language: String, path: String) -> [MarkerHit] {
        var hits: [MarkerHit] = []
        func name(after index: Int) -> String {
            for next in lines[(index + 1)...].prefix(6) {
                let trimmed = Self.trimmed(next)
                for keyword in ["async def ", "def ", "func ", "fn ", "public void ", "void ", "fun "]
                where trimmed.hasPrefix(keyword) {
                    return String(trimmed.dropFirst(keyword.count).prefix { $0.isLetter || $0.isNumber || $0 == "_" })
                }
            }
            return ""
        }
        func previousCode(_ index: Int) -> String {
            lines[..<index].last { !Self.trimmed($0).isEmpty }.map { String(Self.trimmed($0)) } ?? ""
        }
        // The Go test a `t.Skip` sits in: the nearest `func Test…(` above it, at the start of its line.
        func goTest(around index: Int) -> String? {
            guard let head = lines[..<index].last(where: { $0.hasPrefix("func ") }), head.hasPrefix("func Test")
            else { return nil }
            let name = head.dropFirst("func ".count).prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            return name.isEmpty ? nil : String(name)
        }
        func quoted(_ line: Substring) -> String {
            guard let open = line.firstIndex(where: { $0 == "\"" || $0 == "'" || $0 == "`" }) else { return "" }
            let rest = line[line.index(after: open)...]
            return String(rest.prefix { $0 != line[open] })
        }
        // A comment right above the marker that blames the environment (`// Fails on Node 20 because Node does not
        // run .ts files by default`) states a condition; one that describes a bug (flaky, a race, runs twice) or a
        // to-do does not.
        func statesCondition(_ index: Int) -> Bool {
            let previous = previousCode(index)
            guard previous.hasPrefix("//") || previous.hasPrefix("#"), !previous.hasPrefix("#["),
                !previous.hasPrefix("#!")
            else { return false }
            let text = previous.drop { $0 == "/" || $0 == "#" || $0 == " " }.lowercased()
            // A lint rule against skipped tests silenced with a stated reason
            // (`// eslint-disable-next-line ava/no-skip-test -- Unreliable`): the skip was decided and explained.
            if text.hasPrefix("eslint-disable"), let reason = text.range(of: " -- "),
                !text[reason.upperBound...].trimmingCharacters(in: .whitespaces).isEmpty
            {
                return true
            }
            guard !["todo", "fixme", "xxx", "hack", "bug"].contains(where: { text.hasPrefix($0) }) else { return false }
            return Self.environmentWords.contains { text.contains($0) }
                && !Self.defectWords.contains { text.contains($0) }
        }
        // What a comment right above the marker says, which is often why the test is marked (got's "The feature
        // was never fully implemented because making context enumerable breaks other tests"): up to eight comment
        // lines, over attributes and decorators between them and the marker, leaving out lint directives. Eight
        // hold a diagnosis of five lines whole (git's t3011: "It turns out fill_directory returns the right paths,
        // but …").
        func commentAbove(_ index: Int) -> String? {
            var words: [String] = []
            var cursor = index - 1
            while cursor >= 0, words.count < 8 {
                let line = Self.trimmed(lines[cursor])
                cursor -= 1
                if line.hasPrefix("#[") || line.hasPrefix("@") { continue }
                guard line.hasPrefix("//") || (line.hasPrefix("#") && !line.hasPrefix("#!")) else { break }
                let text = line.drop { $0 == "/" || $0 == "#" || $0 == " " }
                if Self.lintDirectives.contains(where: { text.hasPrefix($0) }) { continue }
                guard !text.isEmpty else { break }
                words.insert(String(text), at: 0)
            }
            return words.isEmpty ? nil : SourceText.shorten(words.joined(separator: " "), to: 600)
        }
        func hit(_ raw: Substring, _ number: Int, _ kind: String, _ text: String) -> MarkerHit {
            var hit = Self.hit(raw, number, kind, text)
            hit.commentAbove = commentAbove(number - 1)
            return hit
        }
        for (index, raw) in lines.enumerated() {
            // Every marker below holds one of the trigger words: other lines (nearly all of them) are passed over
            // before anything costlier than a byte search.
            guard Self.hasTestTrigger(raw) else { continue }
            let line = String(Self.trimmed(raw))
            let number = index + 1
            if statesCondition(index) { continue }
            // A skip because of the platform is a condition, not a broken test.
            let lower = line.lowercased()
            if ["platform", "windows", "linux", "macos", "darwin", "win32"].contains(where: { lower.contains($0) }) {
                continue
            }
            switch language {
            case "Python":
                // A decorator's arguments may go on over the next lines: `@pytest.mark.xfail(` / `    PY_3_14_PLUS,
                // reason="…"` / `)`.
                let call = Self.callText(lines, from: index)
                let conditional =
                    ["condition", "sys.", "platform", "version", "os."].contains { call.contains($0) }
                    || Self.hasPositionalCondition(call)
                if line.hasPrefix("@pytest.mark.xfail"), !conditional {
                    hits.append(hit(raw, number, "xfail", name(after: index)))
                } else if line.hasPrefix("@pytest.mark.skip"), !line.hasPrefix("@pytest.mark.skipif") {
                    hits.append(hit(raw, number, "skip", name(after: index)))
                } else if line.hasPrefix("@unittest.skip("), !line.hasPrefix("@unittest.skipIf"),
                    !line.hasPrefix("@unittest.skipUnless")
                {
                    hits.append(hit(raw, number, "skip", name(after: index)))
                } else if line.hasPrefix("@unittest.expectedFailure") || line.hasPrefix("@expectedFailure") {
                    hits.append(hit(raw, number, "xfail", name(after: index)))
                } else if line.hasPrefix("pytest.skip("), previousCode(index).hasPrefix("def test") {
                    hits.append(hit(raw, number, "skip", quoted(raw)))
                }
            case "Swift":
                if line.hasPrefix("throw XCTSkip("), !Self.isUnderCondition(lines, at: index) {
                    hits.append(hit(raw, number, "skip", quoted(raw)))
                } else if line.hasPrefix("@Test("), line.contains(".disabled") {
                    hits.append(hit(raw, number, "disabled", quoted(raw)))
                }
            case "Rust":
                // `#[cfg_attr(…, ignore)]`, or an `#[ignore]` under a `#[cfg(…)]` or `#[rustversion::…]` attribute
                // (a placeholder for a test that runs on another toolchain), is a condition.
                let conditional = lines[..<index].reversed().prefix { Self.trimmed($0).hasPrefix("#[") }
                    .contains { $0.contains("#[cfg") || $0.contains("#[rustversion::") }
                if line.hasPrefix("#[ignore"), !conditional {
                    hits.append(hit(raw, number, "skip", name(after: index)))
                }
            case "Go":
                // Directly in a test function's body: one level of indentation.
                if line.hasPrefix("t.Skip"), raw.hasPrefix("\t"), !raw.hasPrefix("\t\t"),
                    !previousCode(index).hasPrefix("if ")
                {
                    // The test is named by its function; the reason stays in the excerpt.
                    hits.append(hit(raw, number, "skip", goTest(around: index) ?? quoted(raw)))
                }
            case "JavaScript", "TypeScript":
                for prefix in [
                    "it.skip(", "test.skip(", "describe.skip(", "xit(", "xdescribe(", "xtest(", "test.failing(",
                    "it.failing(", "test.fails(", "it.fails(",
                ] where line.hasPrefix(prefix) {
                    hits.append(hit(raw, number, prefix.contains("fail") ? "xfail" : "skip", quoted(raw)))
                }
            case "Java", "Kotlin":
                if line.hasPrefix("@Disabled") || line == "@Ignore" || line.hasPrefix("@Ignore(") {
                    hits.append(hit(raw, number, "disabled", name(after: index)))
                }
            case "Shell", "Other":
                // A body of `false` or `true` on the same line demonstrates the harness itself (git's
                // `test_expect_failure "pretend we have a known breakage" "false"`): no behaviour is broken.
                if line.hasPrefix("test_expect_failure "), !Self.hasTrivialBody(line) {
                    hits.append(hit(raw, number, "xfail", quoted(raw)))
                }
            default:
                break
            }
        }
        return hits
    }

    /// Whether the line at `index` is inside a block that a condition opens: the nearest line above it, less
    /// indented and not a comment or a lone `{`, is an `if`, `guard`, `catch`, `else`, `case`, `default` or `where`
    /// (async-http-client's MPTCP test skips only in `} catch let error as IOError where …`).
    static func isUnderCondition(_ lines: [Substring], at index: Int) -> Bool {
        func depth(_ line: Substring) -> Int { line.prefix { $0 == " " || $0 == "\t" }.count }
        let indentation = depth(lines[index])
        let openers = ["if ", "guard ", "catch", "} catch", "else", "} else", "case ", "default:", "where ", "switch "]
        for above in lines[..<index].reversed().prefix(12) {
            let text = trimmed(above)
            // A `where` clause continues the line that opens the block.
            if text.isEmpty || text.hasPrefix("//") || text == "{" || text.hasPrefix("where ") { continue }
            if depth(above) >= indentation {
                // The line right above at the same depth: a one-line `if` or `guard` before it.
                if depth(above) == indentation, text.hasPrefix("if ") || text.hasPrefix("guard ") { return true }
                if depth(above) == indentation { return false }
                continue
            }
            return openers.contains { text.hasPrefix($0) }
        }
        return false
    }

    /// The text of the call that opens on line `index`, its continuation lines joined until its parentheses close
    /// (six lines at most).
    static func callText(_ lines: [Substring], from index: Int) -> String {
        var text = String(Self.trimmed(lines[index]))
        var depth = text.reduce(0) { $0 + ($1 == "(" ? 1 : $1 == ")" ? -1 : 0) }
        var next = index + 1
        while depth > 0, next < lines.count, next <= index + 6 {
            let line = Self.trimmed(lines[next])
            text += " " + line
            depth += line.reduce(0) { $0 + ($1 == "(" ? 1 : $1 == ")" ? -1 : 0) }
            next += 1
        }
        return text
    }

    /// Whether a marker call's first argument is a condition: neither a keyword argument (`reason=`) nor a
    /// string, as in `@pytest.mark.xfail(PY_3_14_PLUS, reason="…")`.
    static func hasPositionalCondition(_ call: String) -> Bool {
        guard let open = call.firstIndex(of: "(") else { return false }
        let first = call[call.index(after: open)...].prefix { $0 != "," && $0 != ")" }
            .trimmingCharacters(in: .whitespaces)
        guard !first.isEmpty, !first.contains("="), let head = first.first else { return first.contains("==") }
        return head != "\"" && head != "'" && !first.hasPrefix("f\"") && !first.hasPrefix("r\"")
    }

    /// Whether a shell test line ends with a constant body: its last argument, unquoted, is `false`, `true` or `:`.
    static func hasTrivialBody<Line: StringProtocol>(_ line: Line) -> Bool {
        var rest = line.trimmingCharacters(in: .whitespaces)[...]
        guard let quote = rest.last, quote == "\"" || quote == "'" else { return false }
        rest = rest.dropLast()
        guard let open = rest.lastIndex(of: quote) else { return false }
        let body = rest[rest.index(after: open)...].trimmingCharacters(in: .whitespaces)
        return ["false", "true", ":"].contains(body)
    }

    /// How lint and type-checker directives begin, which silence a rule rather than explain a test.
    static let lintDirectives = [
        "eslint-disable", "@ts-", "noqa", "pylint:", "nolint", "prettier-ignore", "istanbul ignore", "type: ignore",
        "swiftlint:", "swift-format-ignore", "NOLINT",
    ]

    /// Words of a comment that put a skipped test down to its environment: a runtime, a version, a platform
    /// feature, a service the machine may lack.
    static let environmentWords = [
        "node ", "node.js", "deno", "bun ", "python 3", "version", "requires", "needs ", "not supported",
        "unsupported", "by default", "esm", "commonjs", "network", "docker", "sandbox", "browser", "when run as",
    ]

    /// Words of a comment that describe a defect, which a skip hides rather than explains.
    static let defectWords = [
        "flaky", "race", "races", "bug", "wrong", "broken", "twice", "crash", "intermittent", "hang", "leak",
    ]

    // MARK: Crash stubs

    /// Words of a stopping call's message that say something is missing, not impossible.
    private static let unfinishedWords = [
        "not implemented", "unimplemented", "not yet implemented", "not supported", "unsupported", "todo",
        "not yet", "implement me", "implement this",
    ]

    /// Calls that stop the program because something is not implemented: `fatalError`/`preconditionFailure` with
    /// unimplemented or unsupported wording, `raise NotImplementedError` outside abstract bases and
    /// `@abstractmethod`s, `todo!()`, `unimplemented!()`, `panic("TODO …")`, `throw new Error("not implemented")`,
    /// Kotlin's `TODO(…)`.
    static func crashStubs(_ lines: [Substring], language: String) -> [MarkerHit] {
        var hits: [MarkerHit] = []
        func message(_ line: String) -> String {
            guard let open = line.firstIndex(of: "\"") else { return "" }
            let rest = line[line.index(after: open)...]
            return String(rest.prefix { $0 != "\"" })
        }
        func unfinished(_ text: String) -> Bool {
            let lower = text.lowercased()
            return unfinishedWords.contains { lower.contains($0) }
        }
        // An exception is an error the caller can handle; it is a stub only when it says the code is missing.
        func unimplemented(_ text: String) -> Bool {
            let lower = text.lowercased()
            return ["not implemented", "unimplemented", "not yet implemented", "implement me", "todo"].contains {
                lower.contains($0)
            }
        }
        for (index, raw) in lines.enumerated() {
            let line = String(Self.trimmed(raw))
            guard !line.hasPrefix("//"), !line.hasPrefix("#"), !line.hasPrefix("*") else { continue }
            let number = index + 1
            switch language {
            case "Swift":
                for call in ["fatalError(", "preconditionFailure("] where line.contains(call) {
                    let text = message(line)
                    // In a switch's `default:` an "unsupported" stop guards the cases the code knows it handles
                    // (Alamofire's "Attempted to perform unsupported Request subclass"): unreachable by design.
                    guard unfinished(text), unimplemented(text) || !isInDefaultBranch(lines, at: index) else {
                        continue
                    }
                    hits.append(hit(raw, number, String(call.dropLast()), text))
                }
            case "Python":
                guard line.hasPrefix("raise NotImplementedError") else { continue }
                let text = message(line.replacingOccurrences(of: "'", with: "\""))
                // In a method, a bare `raise NotImplementedError` is Python's way to declare an abstract method; a
                // stub says it is unfinished.
                let inMethod = raw.prefix { $0 == " " || $0 == "\t" }.count > 4
                if isAbstract(lines, at: index) || (inMethod && !unimplemented(text)) { continue }
                hits.append(hit(raw, number, "NotImplementedError", text.isEmpty ? "NotImplementedError" : text))
            case "Rust":
                // A `const _: () = { … }` block is a compile-time check: nothing in it ever runs. Test code in a
                // source file (`#[cfg(test)]`, `mod tests`, a `#[test]` function) ships to nobody.
                if isInConstantBlock(lines, at: index) || isInRustTestScope(lines, at: index) { continue }
                for call in ["todo!(", "unimplemented!("] where line.contains(call) {
                    let text = message(line)
                    hits.append(
                        hit(raw, number, String(call.dropLast()), text.isEmpty ? String(call.dropLast()) : text))
                }
            case "Go":
                // A panic is how Go rejects input a function does not take (`panic("Eq called on unsupported
                // type")`): only one that says the code is missing is a stub.
                if line.contains("panic(\""), unimplemented(message(line)) {
                    hits.append(hit(raw, number, "panic", message(line)))
                }
            case "JavaScript", "TypeScript", "Java":
                if line.contains("throw new"), unimplemented(message(line.replacingOccurrences(of: "'", with: "\""))) {
                    hits.append(hit(raw, number, "throw", message(line.replacingOccurrences(of: "'", with: "\""))))
                }
            case "Kotlin":
                if line.contains("TODO(") { hits.append(hit(raw, number, "TODO", message(line))) }
            default:
                break
            }
        }
        return hits
    }

    /// Whether the line at `index` is in a switch's `default:` (or `@unknown default:`, `case _:`) branch: walking
    /// up through the blocks around it (`if`, `#if`, `else`) reaches that label before any other case or a
    /// declaration.
    static func isInDefaultBranch(_ lines: [Substring], at index: Int) -> Bool {
        func depth(_ line: Substring) -> Int { line.prefix { $0 == " " || $0 == "\t" }.count }
        var threshold = depth(lines[index])
        for line in lines[..<index].suffix(12).reversed() {
            let trimmed = Self.trimmed(line)
            guard !trimmed.isEmpty, depth(line) < threshold else { continue }
            if trimmed.hasPrefix("default:") || trimmed.hasPrefix("@unknown default:") || trimmed.hasPrefix("case _:") {
                return true
            }
            let stops = ["case ", "switch ", "func ", "init(", "var ", "let ", "private ", "public ", "internal "]
            if stops.contains(where: { trimmed.hasPrefix($0) }) { return false }
            threshold = depth(line)
        }
        return false
    }

    /// A configuration that holds only in tests: `#[cfg(all(test, feature = "alloc"))]`.
    private static let testOnlyConfiguration = TextPattern(#"^#\[cfg\(all\(([^()]*,\s*)?test\s*[,)]"#)

    /// Whether the Rust line at `index` is test code: walking up through the items and blocks around it reaches
    /// a `mod tests`/`mod test`, or an item under `#[test]`, `#[cfg(test)]`, `#[cfg(all(test, …))]` or another
    /// `…::test]` attribute.
    static func isInRustTestScope(_ lines: [Substring], at index: Int) -> Bool {
        func depth(_ line: Substring) -> Int { line.prefix { $0 == " " || $0 == "\t" }.count }
        var threshold = depth(lines[index])
        var cursor = index - 1
        while cursor >= 0, threshold > 0 || cursor == index - 1 {
            let line = lines[cursor]
            let trimmed = Self.trimmed(line)
            cursor -= 1
            guard !trimmed.isEmpty, depth(line) < threshold, !trimmed.hasPrefix("//"), !trimmed.hasPrefix("#[")
            else { continue }
            threshold = depth(line)
            if trimmed.hasPrefix("mod tests") || trimmed.hasPrefix("mod test ") || trimmed.hasPrefix("mod test{") {
                return true
            }
            // The attributes right above this enclosing line.
            var above = cursor
            while above >= 0, Self.trimmed(lines[above]).hasPrefix("#[") {
                let attribute = Self.trimmed(lines[above])
                if attribute.hasPrefix("#[test]") || attribute.hasPrefix("#[cfg(test)]") || attribute.contains("::test")
                    || Self.testOnlyConfiguration.matches(attribute)
                {
                    return true
                }
                above -= 1
            }
        }
        return false
    }

    /// Whether the Rust line at `index` is inside a `const _: () = { … }` block: the nearest line above it that
    /// starts at the margin (an item) opens one.
    private static func isInConstantBlock(_ lines: [Substring], at index: Int) -> Bool {
        guard
            let item = lines[..<index].lastIndex(where: { line in
                guard let first = line.first, first != " ", first != "\t" else { return false }
                return !line.hasPrefix("//") && !line.hasPrefix("#") && !line.hasPrefix("}")
            })
        else { return false }
        return lines[item].hasPrefix("const _")
    }

    /// Whether a `raise NotImplementedError` at `index` is an abstract method's body: under `@abstractmethod`, or in
    /// a class that is an abstract base, a protocol, an interface or a mixin by name or base.
    private static func isAbstract(_ lines: [Substring], at index: Int) -> Bool {
        func depth(_ line: Substring) -> Int { line.prefix { $0 == " " || $0 == "\t" }.count }
        let indentation = depth(lines[index])
        // The function the raise is in: the nearest `def` above, less indented.
        guard
            let definition = lines[..<index].lastIndex(where: { line in
                let trimmed = Self.trimmed(line)
                return (trimmed.hasPrefix("def ") || trimmed.hasPrefix("async def ")) && depth(line) < indentation
            })
        else { return false }
        let decorators = lines[..<definition].reversed().prefix {
            Self.trimmed($0).hasPrefix("@")
        }
        if decorators.contains(where: { $0.contains("abstract") }) { return true }
        let definitionDepth = depth(lines[definition])
        // A module-level function belongs to no class.
        guard definitionDepth > 0,
            let classLine = lines[..<definition].lastIndex(where: { line in
                Self.trimmed(line).hasPrefix("class ") && depth(line) < definitionDepth
            })
        else { return false }
        let declaration = lines[classLine]
        if ["ABC", "Abstract", "Base", "Protocol", "Interface", "Mixin", "abc."].contains(where: {
            declaration.contains($0)
        }) {
            return true
        }
        // A class whose docstring says it is meant to be subclassed.
        let docstring = lines[(classLine + 1)...].prefix(6).joined(separator: " ").lowercased()
        return ["base class", "subclass", "override", "abstract", "must implement"].contains { docstring.contains($0) }
    }

    // MARK: Suppressions and workarounds

    /// Suppressions, opt-outs and workarounds whose repetition across many files is a clean-up to finish.
    static let suppressionPatterns = [
        "# type: ignore", "# noqa", "# pylint: disable", "# pragma: no cover", "# mypy: ignore-errors",
        "eslint-disable", "@ts-ignore", "@ts-expect-error", "@ts-nocheck", "swiftlint:disable", "swift-format-ignore",
        "#pragma warning(disable", "#pragma GCC diagnostic ignored", "#pragma clang diagnostic ignored",
        "@SuppressWarnings(", "#[allow(", "#![allow(", "//nolint", "// nolint", "// NOLINT", "sys.path.insert(",
        "sys.path.append(", "@preconcurrency import", "nonisolated(unsafe)", "@unchecked Sendable",
    ]

    private static let suppressionBytes = suppressionPatterns.map { (pattern: $0, bytes: Array($0.utf8)) }

    /// Each suppression as written, from the pattern to the end of the line: `# noqa: E501`,
    /// `// eslint-disable-next-line no-console`, or the whole line of a `sys.path` hack. Only `patterns`, those
    /// the file holds, are looked for.
    static func suppressions(_ lines: [Substring], patterns: [String]) -> [MarkerHit] {
        var hits: [MarkerHit] = []
        for (index, raw) in lines.enumerated() {
            for pattern in patterns {
                guard let range = Self.range(of: pattern, in: raw) else { continue }
                let text: String
                if pattern.hasPrefix("sys.path") || pattern.hasPrefix("@preconcurrency") {
                    text = String(Self.trimmed(raw))
                } else {
                    text = String(Self.trimmed(raw[range.lowerBound...]))
                }
                hits.append(hit(raw, index + 1, pattern, text))
                break
            }
        }
        return hits
    }

    /// Where `needle` first occurs in `line`, by UTF-8 bytes (Foundation's `range(of:)` costs far more, and runs on
    /// every line of a file).
    static func range(of needle: String, in line: Substring) -> Range<Substring.Index>? {
        let pattern = Array(needle.utf8)
        var text = line
        guard let offset = text.withUTF8({ firstOffset(of: pattern, in: UnsafeRawBufferPointer($0)) }) else {
            return nil
        }
        let start = line.utf8.index(line.startIndex, offsetBy: offset)
        return start..<line.utf8.index(start, offsetBy: pattern.count)
    }

    // MARK: References

    /// References to project files and modules: Python `from .x import y` and `import pkg.mod`, JavaScript and
    /// TypeScript relative `import … from './x'` and `require('./x')`, C and C++ `#include "x.h"`, Swift
    /// `import X`. Whether they exist is decided against the tracked files.
    static func references(_ lines: [Substring], language: String) -> [MarkerHit] {
        guard referencingLanguages.contains(language) else { return [] }
        var hits: [MarkerHit] = []
        for (index, raw) in lines.enumerated() {
            let line = Self.trimmed(raw)
            let number = index + 1
            switch language {
            case "Python":
                if line.hasPrefix("from "), let end = line.range(of: " import ") {
                    let module = String(Self.trimmed(line.dropFirst(5)[..<end.lowerBound]))
                    hits.append(hit(raw, number, "from", module))
                } else if line.hasPrefix("import "), !line.contains(",") {
                    let module = line.dropFirst(7).split(separator: " ").first.map(String.init) ?? ""
                    hits.append(hit(raw, number, "import", module))
                }
            case "JavaScript", "TypeScript":
                // Commented-out code (`// require('./_supports-color')`) references nothing.
                if line.hasPrefix("//") || line.hasPrefix("/*") || line.hasPrefix("*") { continue }
                for opener in [" from '", " from \"", "require('", "require(\"", "import('", "import(\""] {
                    guard let range = line.range(of: opener) else { continue }
                    let rest = line[range.upperBound...]
                    let specifier = String(rest.prefix { $0 != "'" && $0 != "\"" })
                    if specifier.hasPrefix("./") || specifier.hasPrefix("../") {
                        hits.append(hit(raw, number, "import", specifier))
                    }
                    break
                }
            case "C", "C++", "Objective-C":
                if line.hasPrefix("#include \""), let close = line.dropFirst(10).firstIndex(of: "\"") {
                    hits.append(hit(raw, number, "include", String(line.dropFirst(10)[..<close])))
                }
            case "Swift":
                if line.hasPrefix("import ") || line.hasPrefix("@testable import ")
                    || line.hasPrefix("@_exported import ")
                {
                    let words = line.split(separator: " ")
                    if let module = words.last, words.count <= 4 {
                        hits.append(hit(raw, number, "import", String(module)))
                    }
                }
            default:
                break
            }
        }
        return hits
    }

    /// The languages whose references to other files `references` reads.
    private static let referencingLanguages: Set<String> = [
        "Python", "JavaScript", "TypeScript", "C", "C++", "Objective-C", "Swift",
    ]

    // MARK: Secrets

    /// One credential rule: a literal that starts it, what may follow, and how long the whole is.
    private struct SecretRule: Sendable {
        var name: String
        var prefix: String
        var body: @Sendable (Character) -> Bool
        var length: ClosedRange<Int>
        /// Found in test folders too (tokens); private keys in test folders are test fixtures.
        var inTests: Bool = true
    }

    private static let newlineByte: [UInt8] = [0x0A]

    private static let upperOrDigit: @Sendable (Character) -> Bool = { ($0.isUppercase || $0.isNumber) && $0.isASCII }
    private static let token: @Sendable (Character) -> Bool = { ($0.isLetter || $0.isNumber) && $0.isASCII }
    private static let tokenDash: @Sendable (Character) -> Bool = {
        (($0.isLetter || $0.isNumber) && $0.isASCII) || $0 == "_" || $0 == "-"
    }

    /// High-confidence credential formats, in the spirit of gitleaks' default rules.
    private static let secretRules: [SecretRule] = [
        SecretRule(name: "AWS access key", prefix: "AKIA", body: upperOrDigit, length: 20...20),
        SecretRule(name: "AWS access key", prefix: "ASIA", body: upperOrDigit, length: 20...20),
        SecretRule(
            name: "Private key", prefix: "-----BEGIN ", body: { $0.isUppercase || $0 == " " || $0 == "-" },
            length: 20...60, inTests: false),
        SecretRule(name: "GitHub token", prefix: "ghp_", body: token, length: 40...40),
        SecretRule(name: "GitHub token", prefix: "gho_", body: token, length: 40...40),
        SecretRule(name: "GitHub token", prefix: "ghu_", body: token, length: 40...40),
        SecretRule(name: "GitHub token", prefix: "ghs_", body: token, length: 40...40),
        SecretRule(name: "GitHub token", prefix: "ghr_", body: token, length: 40...40),
        SecretRule(name: "GitHub token", prefix: "github_pat_", body: tokenDash, length: 82...93),
        SecretRule(name: "GitLab token", prefix: "glpat-", body: tokenDash, length: 26...26),
        SecretRule(name: "Slack token", prefix: "xoxb-", body: tokenDash, length: 30...80),
        SecretRule(name: "Slack token", prefix: "xoxp-", body: tokenDash, length: 30...80),
        SecretRule(name: "Stripe secret key", prefix: "sk_live_", body: token, length: 32...107),
        SecretRule(name: "Google API key", prefix: "AIza", body: tokenDash, length: 39...39),
        SecretRule(name: "Anthropic API key", prefix: "sk-ant-", body: tokenDash, length: 90...130),
        SecretRule(name: "npm token", prefix: "npm_", body: token, length: 40...40),
        SecretRule(name: "PyPI token", prefix: "pypi-AgEIcHlwaS5vcmc", body: tokenDash, length: 70...250),
    ]

    /// The rules' prefixes as UTF-8 bytes, by rule.
    private static let secretPrefixes = secretRules.map { Array($0.prefix.utf8) }

    /// The rules' first bytes, and the prefixes that start with each.
    private static let prefixesByFirstByte: [[[UInt8]]] = {
        var table = [[[UInt8]]](repeating: [], count: 256)
        for rule in secretRules {
            let prefix = Array(rule.prefix.utf8)
            if !table[Int(prefix[0])].contains(prefix) { table[Int(prefix[0])].append(prefix) }
        }
        return table
    }()

    /// Each byte's class for `mayHoldSecret`: `wordByte` for letters and digits, `prefixStart` for the first
    /// byte of some rule's prefix.
    private static let byteClasses: [UInt8] = (0..<256).map { byte in
        let isWord = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        return (isWord ? wordByte : 0) | (prefixesByFirstByte[byte].isEmpty ? 0 : prefixStart)
    }
    private static let wordByte: UInt8 = 1
    private static let prefixStart: UInt8 = 2

    /// Whether a rule's prefix starts a word anywhere in the bytes: one pass with a table lookup per byte, no text
    /// decoded. Credentials are rare, so almost every file stops here; on a large tree this pass was a sixth of a
    /// warm run while it tested byte ranges.
    private static func mayHoldSecret(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let bytes = bytes.bindMemory(to: UInt8.self)
        return byteClasses.withUnsafeBufferPointer { classes in
            var previousIsWord = false
            for index in bytes.indices {
                let byte = bytes[index]
                let byteClass = classes[Int(byte)]
                if byteClass & prefixStart != 0, !previousIsWord {
                    for prefix in prefixesByFirstByte[Int(byte)] where index + prefix.count <= bytes.count {
                        if bytes[index..<(index + prefix.count)].elementsEqual(prefix) { return true }
                    }
                }
                previousIsWord = byteClass & wordByte != 0
            }
            return false
        }
    }

    /// Whether a private key's header is followed by its base64 body, on the same line (`\n` escapes in a string)
    /// or the next: a header alone is a pattern, a template or a description, not a key.
    private static func hasKeyBody(after rest: Substring, next: Substring?) -> Bool {
        func longestBase64Run(_ text: Substring) -> Int {
            var longest = 0
            var run = 0
            for character in text.unicodeScalars {
                if ("0"..."9").contains(character) || ("A"..."Z").contains(character) || ("a"..."z").contains(character)
                    || character == "+" || character == "/"
                {
                    run += 1
                    longest = max(longest, run)
                } else {
                    run = 0
                }
            }
            return longest
        }
        var rest = rest.drop { $0 == "-" }
        for escape in ["\\n", "\\r"] where rest.hasPrefix(escape) { rest = rest.dropFirst(escape.count) }
        if longestBase64Run(rest) >= 40 { return true }
        guard let next else { return false }
        return longestBase64Run(next.drop { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "'" }) >= 40
    }

    /// Whether a token holds six characters in a row of an alphabet or count (`abcdef`, `123456`): typed by a
    /// person as a placeholder, almost never drawn at random.
    private static func hasSequence(_ body: Substring) -> Bool {
        var run = 1
        var previous: UInt8?
        for byte in body.utf8 {
            let isAlphanumeric =
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            if let previous, byte == previous &+ 1, isAlphanumeric {
                run += 1
                if run >= 6 { return true }
            } else {
                run = 1
            }
            previous = byte
        }
        return false
    }

    /// Credentials in the text, never kept in the clear: each hit holds the line with the credential masked.
    static func secrets(in bytes: UnsafeRawBufferPointer, isTest: Bool) -> [SecretHit] {
        guard mayHoldSecret(bytes) else { return [] }
        // A prefix is often there in words that are no credential (`ASIA` in a list of regions): the prefixes are
        // found by bytes in the whole text, and only the lines that hold one are decoded.
        let lineStarts = [0] + newlineOffsets(in: bytes).map { $0 + 1 }
        func decodedLine(_ index: Int) -> Substring? {
            guard index < lineStarts.count else { return nil }
            let end = index + 1 < lineStarts.count ? lineStarts[index + 1] - 1 : bytes.count
            return Substring(
                String(decoding: UnsafeRawBufferPointer(rebasing: bytes[lineStarts[index]..<end]), as: UTF8.self))
        }
        var rulesByLine: [Int: [Int]] = [:]
        for ruleIndex in secretRules.indices where secretRules[ruleIndex].inTests || !isTest {
            var from = 0
            while let found = firstOffset(of: secretPrefixes[ruleIndex], in: bytes, from: from) {
                // The last line that starts at or before the match.
                var (low, high) = (0, lineStarts.count - 1)
                while low < high {
                    let middle = (low + high + 1) / 2
                    if lineStarts[middle] <= found { low = middle } else { high = middle - 1 }
                }
                if rulesByLine[low]?.last != ruleIndex { rulesByLine[low, default: []].append(ruleIndex) }
                from = found + 1
            }
        }
        var hits: [SecretHit] = []
        for index in rulesByLine.keys.sorted() {
            guard let line = decodedLine(index) else { continue }
            for rule in (rulesByLine[index] ?? []).map({ secretRules[$0] }) {
                var searchStart = line.startIndex
                while let range = Self.range(of: rule.prefix, in: line[searchStart...]) {
                    searchStart = range.upperBound
                    // The credential starts a word.
                    if range.lowerBound > line.startIndex {
                        let before = line[line.index(before: range.lowerBound)]
                        if before.isLetter || before.isNumber { continue }
                    }
                    let tail = line[range.upperBound...].prefix(while: rule.body)
                    let value = String(line[range.lowerBound..<tail.endIndex])
                    if rule.name == "Private key" {
                        guard value.hasSuffix("PRIVATE KEY-----") || value.contains("PRIVATE KEY"),
                            hasKeyBody(after: line[tail.endIndex...], next: decodedLine(index + 1))
                        else { continue }
                    } else {
                        guard rule.length.contains(value.count) else { continue }
                        if let next = line[tail.endIndex...].first, next.isLetter || next.isNumber { continue }
                    }
                    // Documentation's placeholders (`AKIAIOSFODNN7EXAMPLE`) and repeated characters are no secret.
                    let upper = value.uppercased()
                    if upper.contains("EXAMPLE") || upper.contains("XXXXXXXX") || upper.contains("00000000")
                        || rule.name != "Private key"
                            && (Set(value.dropFirst(rule.prefix.count)).count < 6
                                || hasSequence(value.dropFirst(rule.prefix.count)))
                    {
                        continue
                    }
                    // A private key's header is no secret, but quoted whole it reads as a key to every scanner.
                    let masked =
                        rule.name == "Private key"
                        ? String(value.hasSuffix("-----") ? value.dropLast(5) : value[...]) + "…"
                        : "\(value.prefix(4))…(\(value.count) characters)"
                    // A key's body may follow its header on the same line (`"private_key": "-----BEGIN PRIVATE
                    // KEY-----\nMIIEv…"` in a JSON service-account file): nothing after the header is kept.
                    let maskedLine =
                        rule.name == "Private key"
                        ? String(line[..<range.lowerBound]) + masked
                        : String(line).replacingOccurrences(of: value, with: masked)
                    hits.append(
                        SecretHit(
                            line: index + 1, rule: rule.name,
                            masked: SourceText.shorten(maskedLine.trimmingWhitespace()),
                            digest: Fingerprint.of([value])))
                }
            }
        }
        return hits
    }
}
