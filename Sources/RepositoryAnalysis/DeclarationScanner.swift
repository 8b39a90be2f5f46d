#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A public declaration without a documentation comment.
struct UndocumentedDeclaration: Sendable, Hashable, Codable {
    /// What it declares, from most to least important to document.
    enum Role: Int, Sendable, Hashable, Codable, Comparable {
        case type = 0, function, member

        static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The line, from 1.
    var line: Int
    /// The declared name (`parse`, `Parser`, `init`).
    var name: String
    /// What it declares.
    var role: Role
    /// Whether it is a member of a type that conforms to a protocol or inherits from a class: such a member may
    /// implement a requirement, whose documentation it inherits.
    var inConformingType = false
    /// The declaration line, trimmed and shortened.
    var excerpt: String
}

/// Finds public declarations without documentation comments, with line-level rules that are cheap and predictable
/// rather than a parser. Only the product surface counts: what users of the package call and read about. Every
/// rule is listed in `docs/analysis.md`.
enum DeclarationScanner {
    /// Public declarations found and those without documentation.
    struct Result: Sendable, Hashable {
        /// How many public declarations were found.
        var declarations = 0
        /// The undocumented ones.
        var undocumented: [UndocumentedDeclaration] = []
        /// Names of the requirements of protocols (Swift) declared in the file, whose implementations elsewhere
        /// inherit their documentation.
        var requirements: [String] = []
        /// For a package's entry file (`__init__.py`, `index.ts`): the names it re-exports, and the modules it
        /// re-exports whole (`export * from './x'`, as written). When the entry file re-exports anything, only
        /// those names are the package's public API.
        var exports: [String] = []
        /// The modules an entry file re-exports whole.
        var exportedModules: [String] = []
        /// For a Rust crate root (`lib.rs`): the modules it declares without `pub` (`mod sys;`), whose `pub` items
        /// users reach only through the root's `pub use`, and the names those `pub use` lines re-export.
        var privateModules: [String] = []
        /// See `privateModules`.
        var publicUses: [String] = []
        /// For a Rust crate root: `#![deny(missing_docs)]` (or `warn`, `forbid`): the compiler already checks that
        /// every public item is documented.
        var enforcesDocumentation = false
        /// The modules any JavaScript or TypeScript file re-exports from (`export * from './x'`,
        /// `export { a } from './y'`), as written: how a package's entry points reach the files users see.
        var reexports: [String] = []
        /// The names a JavaScript or TypeScript file exports from its braces (`export { a, type B } from './y'`):
        /// reached by a package's entry points, they are what users see of the files they come from.
        var reexportedNames: [String] = []
        /// The modules a JavaScript or TypeScript file re-exports whole (`export * from './x'`), as written.
        var wholeReexports: [String] = []
        /// The names of the public types declared (classes, structures, enumerations, protocols, interfaces, type
        /// aliases): a test that names one of them exercises the file.
        var typeNames: [String] = []

        /// The lines (from 1) of the undocumented ones.
        var undocumentedLines: [Int] { undocumented.map(\.line) }
    }

    /// Scans `bytes` of the file at `path` written in `language`; languages without rules give an empty result.
    static func scan(_ bytes: UnsafeRawBufferPointer, path: String, language: String) -> Result {
        let name = FileKinds.name(of: path).lowercased()
        // Deprecated files and private modules are not the surface anyone should document.
        if name.contains("deprecat") { return Result() }
        // Most files declare nothing public: a byte search avoids splitting them into lines at all.
        switch language {
        case "Swift":
            guard contains(bytes, "public ") || contains(bytes, "open ") else { return Result() }
            return swift(splitLines(bytes))
        case "Python":
            let components = path.split(separator: "/")
            if components.contains(where: { $0.hasPrefix("_") && !$0.hasPrefix("__") }) { return Result() }
            if ["setup.py", "conftest.py", "noxfile.py", "fabfile.py", "manage.py", "__main__.py"].contains(name) {
                return Result()
            }
            let lines = splitLines(bytes)
            if name == "__init__.py" {
                var result = python(lines)
                result.exports = pythonExports(lines)
                return result
            }
            // A module run as a program (`if __name__ == "__main__":`) is an application, not an API.
            if lines.contains(where: { $0.hasPrefix("if __name__ ==") }) { return Result() }
            guard contains(bytes, "def ") || contains(bytes, "class ") else { return Result() }
            return python(lines)
        case "Go":
            if path.split(separator: "/").contains("internal") { return Result() }
            guard contains(bytes, "func ") || contains(bytes, "type ") else { return Result() }
            return go(splitLines(bytes))
        case "Rust":
            guard contains(bytes, "pub ") else { return Result() }
            let lines = splitLines(bytes)
            var result = rust(lines)
            if name == "lib.rs" {
                (result.privateModules, result.publicUses) = rustCrateRoot(lines)
                result.enforcesDocumentation = rustLintsMissingDocs(lines)
            }
            return result
        case "TypeScript", "JavaScript":
            guard contains(bytes, "export ") else { return Result() }
            let lines = splitLines(bytes)
            var result = typeScript(lines)
            let exports = typeScriptExports(lines)
            result.reexports = exports.reexports
            (result.reexportedNames, result.wholeReexports) = (exports.names, exports.wholeModules)
            if name.hasPrefix("index.") || name.hasPrefix("mod.") {
                (result.exports, result.exportedModules) = (exports.names, exports.wholeModules)
            }
            return result
        case "Java":
            guard contains(bytes, "public ") else { return Result() }
            return java(splitLines(bytes))
        case "Kotlin":
            return kotlin(splitLines(bytes))
        case "C", "C++":
            guard ["h", "hh", "hpp", "hxx"].contains(FileKinds.pathExtension(of: path)),
                !["internal", "private", "_p.h", "impl", "config.h"].contains(where: { name.contains($0) }),
                !path.split(separator: "/").contains(where: { ["internal", "detail", "private"].contains($0) })
            else { return Result() }
            return cHeader(splitLines(bytes))
        default:
            return Result()
        }
    }

    /// Whether `bytes` contains `needle` (ASCII).
    static func contains(_ bytes: UnsafeRawBufferPointer, _ needle: StaticString) -> Bool {
        FindingScanner.contains(
            bytes, Array(UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)))
    }

    /// Whether a Rust file has unit tests of its own (`#[cfg(test)]` or `#[test]`).
    static func hasInlineRustTests(_ bytes: UnsafeRawBufferPointer) -> Bool {
        contains(bytes, "#[cfg(test)]") || contains(bytes, "#[test]")
    }

    /// The headings of a Markdown, reStructuredText or AsciiDoc document, lowercased.
    static func headings(_ bytes: UnsafeRawBufferPointer) -> [String] {
        let lines = splitLines(bytes).map { $0.trimmingWhitespace() }
        var headings: [String] = []
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("#") || line.hasPrefix("=") {
                headings.append(String(line.drop(while: { $0 == "#" || $0 == "=" })).trimmingWhitespace().lowercased())
            } else if index + 1 < lines.count, !line.isEmpty {
                // Setext (Markdown) and reStructuredText headings are underlined.
                let next = lines[index + 1]
                if next.count >= 3, let mark = next.first, "=-~^*+".contains(mark), next.allSatisfy({ $0 == mark }) {
                    headings.append(line.lowercased())
                }
            }
        }
        return headings
    }

    /// The identifiers a documentation page shows as code: inside `` `code` `` spans (and reStructuredText's
    /// ``` ``code`` ```), fenced code blocks and headings. A declaration a guide explains this way is documented,
    /// even without a comment of its own.
    ///
    /// Read byte by byte: a guide is long, and it is read on every run.
    static func codeNames(_ bytes: UnsafeRawBufferPointer) -> [String] {
        var names = Set<String>()
        var fenced = false
        var lineStart = 0
        while lineStart <= bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            let line = trimmed(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd]))
            if hasPrefix(line, "```") || hasPrefix(line, "~~~") {
                fenced.toggle()
                continue
            }
            if fenced || hasPrefix(line, "#") {
                collectNames(line, into: &names)
                continue
            }
            // A reStructuredText directive names what it documents after its `::` (`.. class:: Package`,
            // `.. autofunction:: packaging.utils.canonicalize_name`): Sphinx gives it an entry of its own, under the
            // text around it (packaging's lock-file classes, documented as a group). Autodoc's `:members:` option
            // lists the members it documents.
            if hasPrefix(line, ".. "), let marker = directiveEnd(line) {
                collectNames(UnsafeRawBufferPointer(rebasing: line[marker...]), into: &names)
                continue
            }
            if hasPrefix(line, ":members:") {
                collectNames(UnsafeRawBufferPointer(rebasing: line[9...]), into: &names)
                continue
            }
            // A list item that is only a name (`- ``Router``` in a DocC topic group, an index of symbols) lists the
            // declaration without saying anything about it.
            if hasPrefix(line, "- ") || hasPrefix(line, "* ") {
                let item = trimmed(UnsafeRawBufferPointer(rebasing: line[2...]))
                if item.count >= 2, item.first == UInt8(ascii: "`"), item.last == UInt8(ascii: "`"),
                    !item[1..<(item.count - 1)].contains(UInt8(ascii: " "))
                {
                    continue
                }
            }
            // Every other backtick-delimited stretch is code.
            var inCode = false
            var partStart = 0
            for index in 0...line.count where index == line.count || line[index] == UInt8(ascii: "`") {
                if inCode { collectNames(UnsafeRawBufferPointer(rebasing: line[partStart..<index]), into: &names) }
                inCode.toggle()
                partStart = index + 1
            }
        }
        return names.sorted()
    }

    /// Adds the identifiers of `text` of three characters or more, not starting with a digit, to `names`: runs of
    /// letters, digits, `_` and `$`.
    private static func collectNames(_ text: UnsafeRawBufferPointer, into names: inout Set<String>) {
        var nameStart = 0
        var characters = 0
        var startsWithNumber = false
        var index = 0
        func finish(at end: Int) {
            if characters >= 3, !startsWithNumber {
                names.insert(String(decoding: UnsafeRawBufferPointer(rebasing: text[nameStart..<end]), as: UTF8.self))
            }
            characters = 0
        }
        while index < text.count {
            let byte = text[index]
            var width = 1
            let isLetter: Bool
            let isNumber: Bool
            if byte < 0x80 {
                isNumber = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
                isLetter =
                    (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$")
            } else {
                // As `Character.isLetter` and `isNumber` read a character: by its first scalar's properties.
                var parser = Unicode.UTF8.ForwardParser()
                var iterator = text[index...].makeIterator()
                if case .valid(let encoded) = parser.parseScalar(from: &iterator) {
                    let scalar = Unicode.UTF8.decode(encoded)
                    width = encoded.count
                    isLetter = scalar.properties.isAlphabetic
                    isNumber = scalar.properties.numericType != nil
                } else {
                    isLetter = false
                    isNumber = false
                }
            }
            if isLetter || isNumber {
                if characters == 0 {
                    nameStart = index
                    startsWithNumber = isNumber
                }
                characters += 1
            } else {
                finish(at: index)
            }
            index += width
        }
        finish(at: text.count)
    }

    /// Where the text after a directive's `::` starts, in a line that starts with `.. `.
    private static func directiveEnd(_ line: UnsafeRawBufferPointer) -> Int? {
        var index = 3
        while index + 1 < line.count {
            if line[index] == UInt8(ascii: ":"), line[index + 1] == UInt8(ascii: ":") { return index + 2 }
            index += 1
        }
        return nil
    }

    /// `bytes` without the spaces, tabs and line ends around them.
    private static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        var low = 0
        var high = bytes.count
        while low < high, isSpace(bytes[low]) { low += 1 }
        while high > low, isSpace(bytes[high - 1]) { high -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[low..<high])
    }

    private static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        return (0..<prefix.utf8CodeUnitCount).allSatisfy { bytes[$0] == prefix.utf8Start[$0] }
    }

    static func splitLines(_ bytes: UnsafeRawBufferPointer) -> [String] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
            String(decoding: UnsafeRawBufferPointer(rebasing: $0), as: UTF8.self)
        }
    }

    private static func identifier(_ text: Substring) -> String {
        String(text.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" }))
    }

    private static func declaration(
        _ line: String, number: Int, name: String, role: UndocumentedDeclaration.Role, conforming: Bool = false
    ) -> UndocumentedDeclaration {
        UndocumentedDeclaration(
            line: number, name: name, role: role, inConformingType: conforming,
            excerpt: SourceText.shorten(line.trimmingWhitespace()))
    }

    // MARK: Swift

    private static let swiftModifiers: Set<Substring> = [
        "public", "open", "final", "static", "class", "override", "convenience", "required", "nonisolated",
        "mutating", "nonmutating", "indirect", "dynamic", "lazy", "weak", "unowned", "isolated", "consuming",
        "borrowing", "distributed", "optional", "prefix", "postfix", "infix", "package", "private", "fileprivate",
        "internal",
    ]
    private static let swiftDeclarations: Set<Substring> = [
        "func", "struct", "class", "enum", "protocol", "actor", "var", "let", "typealias", "macro", "subscript",
        "associatedtype", "init", "init?", "init!",
    ]
    private static let swiftTypeKeywords: Set<Substring> = [
        "struct", "class", "enum", "protocol", "actor", "extension",
    ]

    /// Requirements of common protocols (the standard library's, Foundation's, SwiftNIO's, ArgumentParser's, service
    /// lifecycle's), by a word of the protocol's name: a member of a type that declares such a conformance, with one of
    /// these names, implements the requirement and inherits its documentation. A protocol's list holds what the
    /// protocols it refines require too: `Comparable` and `Hashable` are `Equatable`, so an index type declared
    /// `Comparable` implements `==` (swift-algorithms' ten index types).
    static let wellKnownRequirements: [(protocolWord: String, names: Set<String>)] = [
        ("CustomStringConvertible", ["description"]), ("CustomDebugStringConvertible", ["debugDescription"]),
        ("Hashable", ["hash", "hashValue", "=="]), ("Equatable", ["=="]), ("Comparable", ["<", "<=", ">", ">=", "=="]),
        ("Codable", ["encode", "init(from"]), ("Encodable", ["encode"]), ("Decodable", ["init(from"]),
        (
            "Error",
            ["errorDescription", "failureReason", "recoverySuggestion", "helpAnchor", "errorCode", "errorUserInfo"]
        ),
        ("Identifiable", ["id"]), ("RawRepresentable", ["rawValue", "init(rawValue"]), ("CaseIterable", ["allCases"]),
        ("Sequence", ["makeIterator", "underestimatedCount", "Iterator", "Element"]), ("IteratorProtocol", ["next"]),
        ("AsyncSequence", ["makeAsyncIterator", "AsyncIterator", "Element", "Failure"]),
        ("AsyncIteratorProtocol", ["next"]),
        ("Collection", ["startIndex", "endIndex", "index", "subscript", "count", "isEmpty", "formIndex", "distance"]),
        (
            "RangeReplaceableCollection",
            [
                "init", "replaceSubrange", "reserveCapacity", "append", "insert", "remove", "removeSubrange",
                "removeFirst", "removeLast", "removeAll",
            ]
        ),
        (
            "Literal",
            [
                "init(stringLiteral", "init(integerLiteral", "init(arrayLiteral", "init(dictionaryLiteral",
                "init(booleanLiteral", "init(floatLiteral", "init(nilLiteral", "init(unicodeScalarLiteral",
                "init(extendedGraphemeClusterLiteral",
            ]
        ),
        (
            "Handler",
            [
                "channelRead", "channelReadComplete", "channelActive", "channelInactive", "channelRegistered",
                "channelUnregistered", "channelWritabilityChanged", "userInboundEventTriggered", "errorCaught",
                "handlerAdded", "handlerRemoved", "read", "write", "flush", "close", "bind", "connect", "register",
                "triggerUserOutboundEvent",
            ]
        ),
        ("Decoder", ["decode", "decodeLast"]), ("Encoder", ["encode"]), ("Service", ["run"]),
        ("Command", ["run", "validate", "configuration"]),
        ("ExpressibleByArgument", ["init(argument", "defaultValueDescription"]),
        ("Mirror", ["customMirror"]), ("View", ["body"]), ("Strideable", ["distance", "advanced", "<", "=="]),
        ("LogHandler", ["logLevel", "metadata", "metadataProvider", "subscript", "log"]),
        ("StringInterpolationProtocol", ["init(literalCapacity", "appendLiteral", "appendInterpolation"]),
    ]

    /// Whether a member named `name` (declared by `excerpt`) of a type conforming to `conformances` implements a
    /// well-known requirement.
    static func implementsWellKnownRequirement(name: String, excerpt: String, conformances: String) -> Bool {
        let initializer = excerpt.range(of: "init(").map {
            // `init(from decoder: any Decoder)` is named by its first label: `init(from`.
            String(excerpt[$0.lowerBound...].prefix(while: { $0 != ":" && $0 != ")" && $0 != " " }))
        }
        return wellKnownRequirements.contains { entry in
            conformances.contains(entry.protocolWord)
                && (entry.names.contains(name) || initializer.map { entry.names.contains($0) } == true)
        }
    }

    /// Members whose name and type say all a comment would: `rawValue`, an enum-like constant of its own type
    /// (`static var http: Self { .init(rawValue: "http:") }`), and the stored fields of an error (`let code: Code`).
    private static func isSelfExplanatory(
        _ line: String, name: String, keyword: Substring, context: SwiftContext?
    ) -> Bool {
        if name == "rawValue" { return true }
        if isOwnTypeConstant(line, typeName: context?.name) { return true }
        let stored = (keyword == "let" || keyword == "var") && !line.contains("{") && !line.contains("static ")
        let error = context.map { context in
            context.conformances.split(whereSeparator: { !$0.isLetter && $0 != "." }).contains {
                $0 == "Error" || $0 == "Swift.Error"
            }
        }
        return stored && error == true
    }

    /// Whether `line` declares a static constant of its own type: `static var http: Self { … }`,
    /// `static let https = Scheme(rawValue: "https:")`, `static let none = .init()`.
    private static func isOwnTypeConstant(_ line: String, typeName: String?) -> Bool {
        let words = line.split(separator: " ")
        guard let at = words.firstIndex(of: "static"), at + 2 < words.count,
            words[at + 1] == "var" || words[at + 1] == "let"
        else { return false }
        let rest = words[(at + 2)...].joined(separator: " ")
        guard let separator = rest.firstIndex(where: { $0 == ":" || $0 == "=" }) else { return false }
        let value = rest[rest.index(after: separator)...].drop { $0 == " " }
        let head = String(value.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." })
        let own = ["Self"] + (typeName.map { [$0] } ?? [])
        if own.contains(head) { return true }
        // `= .init(…)` or `= .someCase`: a value of the declared type, written with a leading dot.
        return rest[separator] == "=" && head.hasPrefix(".") && head.dropFirst().first?.isLowercase == true
    }

    private struct SwiftContext {
        /// The type's name (the extended type's, for an extension).
        var name: String
        /// Brace depth at which the type's body is open.
        var depth: Int
        /// A protocol's body: its members are requirements.
        var isProtocol: Bool
        /// Declares conformance or inheritance (`struct Foo: Bar`, `extension Foo: Bar`).
        var conforms: Bool
        /// The inheritance clause, as written.
        var conformances: String
        /// An extension that declares conformance: every member implements a requirement.
        var isConformanceExtension: Bool
        /// An extension.
        var isExtension: Bool
        /// Marked `@_spi` or deprecated: nothing inside is public surface.
        var isHidden: Bool
    }

    /// The conformances each type of the file declares, on its declaration or on any extension: `NIOSSLSecureBytes`
    /// ↦ `: Equatable : RandomAccessCollection : RangeReplaceableCollection`, by the type's first name.
    private static func swiftConformances(_ lines: [String]) -> [String: String] {
        var conformances: [String: String] = [:]
        // Only `extension` lines can add to what a declaration states; the main pass reads the declarations.
        for raw in lines where raw.contains("extension") {
            let (words, _, _) = swiftWords(raw.trimmingWhitespace())
            guard let (_, keyword, rest) = swiftDeclaration(words), keyword == "extension", rest.contains(":")
            else { continue }
            let name = identifier(rest)
            guard !name.isEmpty else { continue }
            conformances[name, default: ""] += " " + String(rest.drop(while: { $0 != ":" }).prefix { $0 != "{" })
        }
        return conformances
    }

    private static func swift(_ lines: [String]) -> Result {
        var result = Result()
        var documented = false
        var inDocumentationBlock = false
        var inBlock = false
        var attributes = ""
        var attributeDepth = 0
        var depth = 0
        var contexts: [SwiftContext] = []
        var conditionalDocumentation: [Bool] = []
        // The inheritance clause of each type the file declares: `extension URLEncodedFormError { var description }`
        // implements a conformance its type's declaration states.
        // Gathered first: an extension may implement a requirement of a conformance another extension further down
        // declares (`reserveCapacity` above `extension NIOSSLSecureBytes: RangeReplaceableCollection`).
        var declaredConformances = swiftConformances(lines)
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingWhitespace()
            if attributeDepth > 0 {
                // The arguments of an attribute that spans lines: `@available(\n *, deprecated,\n message: "…"\n)`.
                attributes += " " + line
                attributeDepth += line.filter { $0 == "(" }.count - line.filter { $0 == ")" }.count
                continue
            }
            if inBlock {
                if line.contains("*/") {
                    inBlock = false
                    documented = inDocumentationBlock
                }
                continue
            }
            if line.isEmpty { continue }
            if line.hasPrefix("///") {
                documented = true
                continue
            }
            if line.hasPrefix("//") { continue }
            if line.hasPrefix("/*") {
                inDocumentationBlock = line.hasPrefix("/**")
                if line.contains("*/") {
                    documented = inDocumentationBlock
                } else {
                    inBlock = true
                }
                continue
            }
            // A documentation comment above `#if` documents the declaration in each branch: the `#else` twin of an
            // API (`#if compiler(>=6.2)`) is the same API.
            if line.hasPrefix("#if") {
                conditionalDocumentation.append(documented)
                continue
            }
            if line.hasPrefix("#else") || line.hasPrefix("#elseif") {
                documented = conditionalDocumentation.last ?? documented
                continue
            }
            if line.hasPrefix("#endif") {
                _ = conditionalDocumentation.popLast()
                continue
            }
            let (words, onlyAttributes, lineAttributes) = swiftWords(line)
            if onlyAttributes {
                attributes += " " + lineAttributes
                attributeDepth = max(0, line.filter { $0 == "(" }.count - line.filter { $0 == ")" }.count)
                continue
            }
            let allAttributes = attributes + " " + lineAttributes
            attributes = ""
            let hidden =
                allAttributes.contains("@_spi") || allAttributes.contains("deprecated")
                || allAttributes.contains("unavailable") || allAttributes.contains("@_documentation")
            let context = contexts.last
            let insideType = context.map { $0.depth == depth } ?? (depth == 0)
            if insideType, let (isPublic, keyword, rest) = swiftDeclaration(words) {
                // An operator's name is its symbol: `static func == (lhs: Self, rhs: Self)`.
                let word = identifier(rest)
                let name = word.isEmpty ? String(rest.prefix(while: { "=<>!+-*/%&|^~.?".contains($0) })) : word
                if swiftTypeKeywords.contains(keyword), line.contains("{") || !line.contains("}") {
                    let isExtension = keyword == "extension"
                    let own = rest.contains(":") ? String(rest.drop(while: { $0 != ":" })) : ""
                    if !isExtension, !own.isEmpty { declaredConformances[name, default: ""] += " " + own }
                    let inherited = isExtension ? declaredConformances[name] ?? "" : ""
                    let conforms = !own.isEmpty || !inherited.isEmpty
                    // `extension NIOSSLCertificate._Extension { … }`: an underscored type's members are no more
                    // public surface than the type.
                    let extendsHidden =
                        isExtension
                        && rest.prefix(while: { $0 != ":" && $0 != "{" && $0 != " " && $0 != "<" })
                            .split(separator: ".").contains { $0.hasPrefix("_") }
                    let hiddenType =
                        hidden || (context?.isHidden ?? false) || (isPublic && name.hasPrefix("_")) || extendsHidden
                    contexts.append(
                        SwiftContext(
                            name: name, depth: depth + 1, isProtocol: keyword == "protocol", conforms: conforms,
                            conformances: own + " " + inherited,
                            isConformanceExtension: isExtension && !own.isEmpty, isExtension: isExtension,
                            isHidden: hiddenType))
                    if !isExtension, isPublic, context?.isProtocol != true {
                        result.declarations += 1
                        result.typeNames.append(name)
                        // A nested type a conformance requires (`struct AsyncIterator` of an `AsyncSequence`).
                        let required =
                            context.map {
                                $0.conforms
                                    && implementsWellKnownRequirement(
                                        name: name, excerpt: line, conformances: $0.conformances)
                            } ?? false
                        if !documented, !hiddenType, !required {
                            result.undocumented.append(
                                declaration(raw, number: index + 1, name: name, role: .type))
                        }
                    }
                } else if context?.isProtocol == true {
                    if !name.isEmpty { result.requirements.append(name) }
                } else if isPublic, swiftDeclarations.contains(keyword) || keyword.hasPrefix("init") {
                    let memberName =
                        keyword.hasPrefix("init") ? "init" : keyword == "subscript" ? "subscript" : name
                    let isMember = context != nil
                    // Members of any extension may be default implementations of a protocol's requirements.
                    let conforming = (context?.conforms ?? false) || (context?.isExtension ?? false)
                    let inherits = context?.conforms ?? false
                    let skipped =
                        hidden || (context?.isHidden ?? false) || (context?.isConformanceExtension ?? false)
                        || memberName.hasPrefix("_") || words.contains("override")
                        || (keyword == "typealias" && inherits)
                        || (inherits
                            && implementsWellKnownRequirement(
                                name: memberName, excerpt: line, conformances: context?.conformances ?? ""))
                        || isSelfExplanatory(line, name: memberName, keyword: keyword, context: context)
                    result.declarations += 1
                    if !documented, !skipped {
                        result.undocumented.append(
                            declaration(
                                raw, number: index + 1, name: memberName, role: isMember ? .member : .function,
                                conforming: conforming))
                    }
                }
            }
            documented = false
            // Braces outside strings and comments move the depth; a type's context ends with its body.
            depth += braceDelta(line)
            while let last = contexts.last, depth < last.depth { contexts.removeLast() }
        }
        return result
    }

    /// The words of a line after its attributes, whether it holds only attributes, and the attributes' text.
    private static func swiftWords(_ line: String) -> (ArraySlice<Substring>, Bool, String) {
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
        var depth = 0
        var attributes: [Substring] = []
        // Attributes, with arguments that may contain spaces: `@available(macOS 15, *)`.
        while let word = words.first, depth > 0 || word.hasPrefix("@") {
            depth += word.filter { $0 == "(" }.count - word.filter { $0 == ")" }.count
            attributes.append(word)
            words = words.dropFirst()
        }
        return (words, words.isEmpty, attributes.joined(separator: " "))
    }

    /// Whether the words declare something explicitly public, the declaration keyword and what follows it.
    private static func swiftDeclaration(
        _ words: ArraySlice<Substring>
    ) -> (isPublic: Bool, keyword: Substring, rest: Substring)? {
        var words = words
        var isPublic = false
        while let word = words.first {
            let bare = word.split(separator: "(").first ?? word
            guard swiftModifiers.contains(bare) else { break }
            if bare == "class", let next = words.dropFirst().first, !swiftDeclarations.contains(next) || next == "class"
            {
                break
            }
            if word == "public" || word == "open" { isPublic = true }
            words = words.dropFirst()
        }
        guard let keyword = words.first else { return nil }
        let bare = keyword.prefix(while: { $0 != "(" && $0 != "<" })
        guard swiftDeclarations.contains(bare) || swiftTypeKeywords.contains(bare) || bare.hasPrefix("init") else {
            return nil
        }
        let rest: Substring
        if bare.hasPrefix("init") || bare == "subscript" {
            rest = bare
        } else {
            rest = words.dropFirst().joined(separator: " ")[...]
        }
        return (isPublic, bare, rest)
    }

    /// `{` minus `}` on a line, outside string literals and `//` comments.
    private static func braceDelta(_ line: String) -> Int {
        var delta = 0
        var inString = false
        var previous: Character = " "
        for character in line {
            if inString {
                if character == "\"", previous != "\\" { inString = false }
            } else if character == "\"" {
                inString = true
            } else if character == "/", previous == "/" {
                break
            } else if character == "{" {
                delta += 1
            } else if character == "}" {
                delta -= 1
            }
            previous = previous == "\\" && character == "\\" ? " " : character
        }
        return delta
    }

    // MARK: Python

    private static func python(_ lines: [String]) -> Result {
        var result = Result()
        let exported = pythonAll(lines)
        var index = 0
        var decorators: [String] = []
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("@") {
                decorators.append(line)
                index += 1
                continue
            }
            var header = line[...]
            if header.hasPrefix("async ") { header = header.dropFirst(6) }
            let isClass = header.hasPrefix("class ")
            guard header.hasPrefix("def ") || isClass else {
                if !line.trimmingWhitespace().isEmpty, !line.hasPrefix("#") { decorators.removeAll() }
                index += 1
                continue
            }
            let name = identifier(header.drop(while: { $0 != " " }).dropFirst())
            let skipped =
                name.isEmpty || name.hasPrefix("_") || exported.map { !$0.contains(name) } ?? false
                || decorators.contains { $0.contains("overload") || $0.contains("deprecated") }
            decorators.removeAll()
            // The signature ends at the first line that ends with `:` (signatures may span lines).
            var end = index
            while end < lines.count, end < index + 30 {
                let code = lines[end].split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                if String(code).trimmingWhitespace().hasSuffix(":") { break }
                end += 1
            }
            if !skipped {
                result.declarations += 1
                if isClass { result.typeNames.append(name) }
                var body = end + 1
                while body < lines.count, lines[body].trimmingWhitespace().isEmpty { body += 1 }
                let first = body < lines.count ? lines[body].trimmingWhitespace() : ""
                let literal = first.drop(while: { "rRuUbBfF".contains($0) })
                if !(literal.hasPrefix("\"") || literal.hasPrefix("'")) {
                    result.undocumented.append(
                        declaration(line, number: index + 1, name: name, role: isClass ? .type : .function))
                }
            }
            index = end + 1
        }
        return result
    }

    /// The names in a module's `__all__`, when it has one: then only those are its public API.
    private static func pythonAll(_ lines: [String]) -> Set<String>? {
        guard let start = lines.firstIndex(where: { $0.hasPrefix("__all__") }) else { return nil }
        var text = ""
        for line in lines[start...] {
            text += line
            if line.contains("]") || line.contains(")") { break }
        }
        var names = Set<String>()
        var current: String?
        for character in text {
            if character == "\"" || character == "'" {
                if let name = current {
                    names.insert(name)
                    current = nil
                } else {
                    current = ""
                }
            } else if current != nil {
                current?.append(character)
            }
        }
        return names
    }

    /// The names a package's `__init__.py` makes public: its `__all__`, or what it imports from its own modules
    /// (`from .core import Command as Command`, `from .core import (A, B)`).
    private static func pythonExports(_ lines: [String]) -> [String] {
        if let all = pythonAll(lines) { return all.sorted() }
        var names: [String] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            index += 1
            guard line.hasPrefix("from ."), let importRange = line.range(of: " import ") else { continue }
            var list = String(line[importRange.upperBound...])
            if list.hasPrefix("(") {
                while !list.contains(")"), index < lines.count {
                    list += " " + lines[index]
                    index += 1
                }
            }
            for item in list.split(whereSeparator: { ",()".contains($0) }) {
                let words = item.split(whereSeparator: \.isWhitespace)
                guard let last = words.last, !last.hasPrefix("#") else { continue }
                // `A as B` exports B.
                let name = words.count >= 3 && words[words.count - 2] == "as" ? last : words[0]
                if !name.hasPrefix("_") { names.append(String(name)) }
            }
        }
        return names
    }

    /// What a TypeScript or JavaScript entry file re-exports: names from `export { A, B as C } from '…'` and
    /// `export type { … }`, and the modules of `export * from '…'`.
    private static func typeScriptExports(
        _ lines: [String]
    ) -> (names: [String], wholeModules: [String], reexports: [String]) {
        var names: [String] = []
        var modules: [String] = []
        var reexports: [String] = []
        var index = 0
        while index < lines.count {
            var line = lines[index].trimmingWhitespace()
            index += 1
            guard line.hasPrefix("export") else { continue }
            if line.hasPrefix("export *"), let module = quoted(line) {
                modules.append(module)
                reexports.append(module)
                continue
            }
            guard line.hasPrefix("export {") || line.hasPrefix("export type {") else { continue }
            while !line.contains("}"), index < lines.count {
                line += " " + lines[index]
                index += 1
            }
            guard let open = line.firstIndex(of: "{"), let close = line.firstIndex(of: "}") else { continue }
            for item in line[line.index(after: open)..<close].split(separator: ",") {
                let words = item.split(whereSeparator: \.isWhitespace).filter { $0 != "type" }
                guard let last = words.last else { continue }
                names.append(String(last))
            }
            // `export { a } from './x'` (the clause may continue on the next line).
            var rest = String(line[line.index(after: close)...]).trimmingWhitespace()
            if rest.isEmpty, index < lines.count { rest = lines[index].trimmingWhitespace() }
            if rest.hasPrefix("from"), let module = quoted(rest) { reexports.append(module) }
        }
        return (names, modules, reexports)
    }

    /// The text inside the first pair of single or double quotes.
    private static func quoted(_ line: String) -> String? {
        guard let open = line.firstIndex(where: { $0 == "'" || $0 == "\"" }) else { return nil }
        let rest = line[line.index(after: open)...]
        guard let close = rest.firstIndex(of: line[open]) else { return nil }
        return String(rest[..<close])
    }

    // MARK: Go

    private static func go(_ lines: [String]) -> Result {
        // A main package is a program, not an API.
        if lines.contains(where: { $0.hasPrefix("package main") }) { return Result() }
        var result = Result()
        var interface = false
        for (index, line) in lines.enumerated() {
            // An interface's documented methods are requirements: a method of the same name elsewhere implements
            // one, and its documentation is the interface's (groupcache's `PeerPicker.PickPeer`). An undocumented
            // one documents nothing (logrus's `FieldLogger.Debugf`).
            if line.hasPrefix("type "), line.hasSuffix("interface {") {
                interface = true
            } else if interface {
                if line.hasPrefix("}") {
                    interface = false
                } else {
                    let name = identifier(Substring(line.trimmingWhitespace()))
                    let documented = index > 0 && lines[index - 1].trimmingWhitespace().hasPrefix("//")
                    if name.first?.isUppercase == true, documented { result.requirements.append(name) }
                }
            }
            var rest: Substring
            var role = UndocumentedDeclaration.Role.function
            if line.hasPrefix("func ") {
                rest = line.dropFirst(5)
                if rest.hasPrefix("(") {
                    // A method of an unexported type is not reachable from outside the package.
                    guard let close = rest.firstIndex(of: ")") else { continue }
                    let receiver = rest[rest.index(after: rest.startIndex)..<close].split(separator: " ").last ?? ""
                    guard receiver.drop(while: { $0 == "*" }).first?.isUppercase == true else { continue }
                    rest = rest[rest.index(after: close)...].drop(while: { $0 == " " })
                    role = .member
                }
            } else if line.hasPrefix("type ") {
                rest = line.dropFirst(5)
                role = .type
            } else {
                continue
            }
            guard let first = rest.first, first.isUppercase else { continue }
            // A method that implements one of the standard library's interfaces (`String`, `Error`, `ServeHTTP`,
            // `MarshalJSON`, …) is documented by that interface.
            if role == .member, goInterfaceMethods.contains(identifier(rest)) { continue }
            result.declarations += 1
            if role == .type { result.typeNames.append(identifier(rest)) }
            if index == 0 || !lines[index - 1].hasPrefix("//") {
                var undocumented = declaration(line, number: index + 1, name: identifier(rest), role: role)
                // Any method may implement an interface of the repository's: matched by name, like Swift's.
                undocumented.inConformingType = role == .member
                result.undocumented.append(undocumented)
            }
        }
        return result
    }

    /// The methods of the standard library's common interfaces (`fmt.Stringer`, `error`, `http.Handler`,
    /// `sort.Interface`, `io.Reader`, `json.Marshaler`, …).
    private static let goInterfaceMethods: Set<String> = [
        "String", "GoString", "Format", "Error", "Unwrap", "Is", "As", "ServeHTTP", "Len", "Less", "Swap", "Push",
        "Pop", "Read", "Write", "Close", "Seek", "ReadAt", "WriteAt", "ReadFrom", "WriteTo", "ReadByte", "WriteByte",
        "ReadRune", "WriteString", "MarshalJSON", "UnmarshalJSON", "MarshalText", "UnmarshalText", "MarshalBinary",
        "UnmarshalBinary", "MarshalYAML", "UnmarshalYAML", "Scan", "Value", "Lock", "Unlock",
    ]

    // MARK: Rust

    private static let rustItems: [(String, UndocumentedDeclaration.Role)] = [
        ("fn ", .function), ("async fn ", .function), ("unsafe fn ", .function), ("const fn ", .function),
        ("struct ", .type), ("enum ", .type), ("trait ", .type), ("type ", .type), ("union ", .type),
        ("const ", .member), ("static ", .member),
    ]

    /// Whether a crate root's lint attributes deny, warn about or forbid `missing_docs`, on one line or over
    /// several (`#![warn(\n    missing_debug_implementations,\n    missing_docs,\n …)]`, as tracing-subscriber has).
    static func rustLintsMissingDocs(_ lines: [String]) -> Bool {
        var inLint = false
        for line in lines {
            let compact = line.replacingOccurrences(of: " ", with: "")
            if ["#![deny(", "#![warn(", "#![forbid("].contains(where: { compact.hasPrefix($0) }) { inLint = true }
            guard inLint else { continue }
            if compact.contains("missing_docs") { return true }
            if compact.hasSuffix(")]") { inLint = false }
        }
        return false
    }

    /// How many more brackets and parentheses `line` opens than it closes.
    private static func bracketBalance(_ line: String) -> Int {
        line.utf8.reduce(0) { balance, byte in
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "("): balance + 1
            case UInt8(ascii: "]"), UInt8(ascii: ")"): balance - 1
            default: balance
            }
        }
    }

    /// A crate root's private modules (`mod sys;`, `pub(crate) mod util;`) and the names its `pub use` lines
    /// re-export (`pub use poll::{Poll, Registry};`, `pub use token::Token;`).
    private static func rustCrateRoot(_ lines: [String]) -> (modules: [String], uses: [String]) {
        var modules: [String] = []
        var uses: [String] = []
        var index = 0
        while index < lines.count {
            var line = lines[index].trimmingWhitespace()
            index += 1
            if line.hasPrefix("mod ") || line.hasPrefix("pub(crate) mod ") || line.hasPrefix("pub(super) mod "),
                let keyword = line.range(of: "mod ")
            {
                let name = line[keyword.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                if !name.isEmpty { modules.append(String(name)) }
            } else if line.hasPrefix("pub use ") {
                while !line.contains(";"), index < lines.count {
                    line += " " + lines[index].trimmingWhitespace()
                    index += 1
                }
                let path = line.dropFirst(8).prefix { $0 != ";" }
                let names = path.contains("{") ? path.drop { $0 != "{" } : path.split(separator: ":").last ?? ""
                for word in names.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" }) {
                    uses.append(String(word))
                }
            }
        }
        return (modules, uses)
    }

    private static func rust(_ lines: [String]) -> Result {
        var result = Result()
        var documented = false
        var hidden = false
        // An attribute over several lines (`#[cfg_attr(\n    docsrs,\n    doc(cfg(…))\n)]`): its brackets still open.
        var attributeDepth = 0
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingWhitespace()
            if attributeDepth > 0 {
                if line.contains("deprecated") { hidden = true }
                attributeDepth += bracketBalance(line)
                continue
            }
            if line.isEmpty { continue }
            if line.hasPrefix("///") || line.hasPrefix("#[doc") {
                documented = documented || !line.hasPrefix("#[doc(hidden")
                hidden = hidden || line.hasPrefix("#[doc(hidden")
                continue
            }
            // A plain comment between the documentation and the item (`// TODO(eliza): …`) leaves both as they are.
            if line.hasPrefix("//") { continue }
            if line.hasPrefix("#[") {
                if line.contains("deprecated") { hidden = true }
                attributeDepth = max(0, bracketBalance(line))
                continue
            }
            defer {
                documented = false
                hidden = false
            }
            guard line.hasPrefix("pub ") else { continue }
            let rest = line.dropFirst(4)
            guard let (keyword, role) = rustItems.first(where: { rest.hasPrefix($0.0) }) else { continue }
            let name = identifier(rest.dropFirst(keyword.count))
            result.declarations += 1
            if role == .type { result.typeNames.append(name) }
            if !documented, !hidden, !name.hasPrefix("_") {
                result.undocumented.append(declaration(raw, number: index + 1, name: name, role: role))
            }
        }
        return result
    }

    // MARK: TypeScript and JavaScript

    private static let typeScriptItems: [(String, UndocumentedDeclaration.Role)] = [
        ("export default async function ", .function), ("export default function ", .function),
        ("export default class ", .type), ("export async function ", .function), ("export function ", .function),
        ("export abstract class ", .type), ("export class ", .type), ("export interface ", .type),
        ("export type ", .type), ("export enum ", .type), ("export const enum ", .type), ("export const ", .member),
        ("export let ", .member), ("export declare function ", .function), ("export declare class ", .type),
        ("export declare const ", .member),
    ]

    private static func typeScript(_ lines: [String]) -> Result {
        var result = Result()
        var comments = BlockDocumentation()
        for (index, raw) in lines.enumerated() {
            if comments.consume(raw.trimmingWhitespace()) { continue }
            let documented = comments.documented
            comments.reset()
            guard raw.hasPrefix("export "),
                let (keyword, role) = typeScriptItems.first(where: { raw.hasPrefix($0.0) })
            else { continue }
            let name = identifier(raw.dropFirst(keyword.count))
            guard !name.isEmpty else { continue }
            result.declarations += 1
            if role == .type { result.typeNames.append(name) }
            // A type whose members carry the documentation (`export type Hooks = { /** … */ beforeRequest … }`)
            // is documented where readers look.
            if role == .type, raw.hasSuffix("{") {
                let body = lines[(index + 1)...].prefix(80).prefix { !$0.hasPrefix("}") }
                if body.contains(where: { $0.trimmingWhitespace().hasPrefix("/**") }) { continue }
            }
            if !documented, !name.hasPrefix("_") {
                result.undocumented.append(declaration(raw, number: index + 1, name: name, role: role))
            }
        }
        return result
    }

    // MARK: Java

    private static func java(_ lines: [String]) -> Result {
        var result = Result()
        var comments = BlockDocumentation()
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingWhitespace()
            if comments.consume(line) { continue }
            let (documented, annotations) = (comments.documented, comments.annotations)
            comments.reset()
            guard line.hasPrefix("public ") else { continue }
            let words = line.split(separator: " ")
            let isType = words.contains { ["class", "interface", "enum", "record", "@interface"].contains($0) }
            guard isType || line.contains("(") else { continue }
            let nameSource: Substring
            if isType,
                let keyword = words.firstIndex(where: { ["class", "interface", "enum", "record"].contains($0) }),
                keyword + 1 < words.count
            {
                nameSource = words[keyword + 1]
            } else if let open = line.firstIndex(of: "(") {
                nameSource = line[..<open].split(separator: " ").last ?? ""
            } else {
                continue
            }
            let name = identifier(nameSource)
            result.declarations += 1
            if isType { result.typeNames.append(name) }
            if !documented, !annotations.contains("Override"), !annotations.contains("Deprecated"),
                !name.hasPrefix("_")
            {
                result.undocumented.append(
                    declaration(raw, number: index + 1, name: name, role: isType ? .type : .member))
            }
        }
        return result
    }

    // MARK: Kotlin

    private static let kotlinItems: [(String, UndocumentedDeclaration.Role)] = [
        ("fun ", .function), ("class ", .type), ("data class ", .type), ("sealed class ", .type),
        ("enum class ", .type), ("abstract class ", .type), ("open class ", .type), ("interface ", .type),
        ("object ", .type), ("val ", .member), ("var ", .member), ("suspend fun ", .function),
        ("inline fun ", .function),
    ]

    /// Top-level Kotlin declarations, public unless marked otherwise, documented by a KDoc `/** */` block.
    private static func kotlin(_ lines: [String]) -> Result {
        var result = Result()
        var comments = BlockDocumentation()
        for (index, raw) in lines.enumerated() {
            if comments.consume(raw.trimmingWhitespace()) { continue }
            let (documented, annotations) = (comments.documented, comments.annotations)
            comments.reset()
            // Only declarations at the top level: members are indented.
            guard raw.first.map({ !$0.isWhitespace }) == true else { continue }
            var rest = Substring(raw)
            if rest.hasPrefix("public ") { rest = rest.dropFirst(7) }
            guard !["private ", "internal ", "protected ", "override "].contains(where: { rest.hasPrefix($0) }),
                let (keyword, role) = kotlinItems.first(where: { rest.hasPrefix($0.0) })
            else { continue }
            var name = rest.dropFirst(keyword.count)
            // An extension function names its receiver first: `fun String.slug()`.
            if let dot = name.prefix(while: { $0 != "(" }).lastIndex(of: ".") { name = name[name.index(after: dot)...] }
            let identifier = identifier(name)
            guard !identifier.isEmpty else { continue }
            result.declarations += 1
            if role == .type { result.typeNames.append(identifier) }
            if !documented, !annotations.contains("Deprecated"), !identifier.hasPrefix("_") {
                result.undocumented.append(declaration(raw, number: index + 1, name: identifier, role: role))
            }
        }
        return result
    }

    /// Follows `/** … */` documentation blocks and annotations line by line, for the languages documented that way
    /// (TypeScript, JavaScript, Java, Kotlin).
    private struct BlockDocumentation {
        /// Whether the lines read since the last declaration or code end a documentation block.
        private(set) var documented = false
        /// The annotations or decorators read since then.
        private(set) var annotations = ""
        private var inBlock = false
        private var blockIsDocumentation = false

        /// Reads a trimmed line; true when it is blank, a comment or an annotation, which keep the state.
        mutating func consume(_ line: String) -> Bool {
            if inBlock {
                if line.contains("*/") {
                    inBlock = false
                    documented = blockIsDocumentation
                }
                return true
            }
            if line.isEmpty || line.hasPrefix("//") { return true }
            if line.hasPrefix("/*") {
                blockIsDocumentation = line.hasPrefix("/**")
                if line.contains("*/") { documented = blockIsDocumentation } else { inBlock = true }
                return true
            }
            if line.hasPrefix("@") {
                annotations += line
                return true
            }
            return false
        }

        /// Forgets the documentation and annotations read, after a line of code.
        mutating func reset() {
            documented = false
            annotations = ""
        }
    }

    // MARK: C and C++ headers

    private static func cHeader(_ lines: [String]) -> Result {
        var result = Result()
        var documented = false
        var inBlock = false
        var inPrototype = false
        var macroContinues = false
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingWhitespace()
            if inBlock {
                if line.contains("*/") {
                    inBlock = false
                    documented = true
                }
                continue
            }
            if macroContinues {
                macroContinues = line.hasSuffix("\\")
                continue
            }
            if line.isEmpty {
                continue
            }
            if line.hasPrefix("/*") {
                if line.contains("*/") { documented = true } else { inBlock = true }
                continue
            }
            if line.hasPrefix("//") {
                documented = true
                continue
            }
            if line.hasPrefix("#") {
                macroContinues = line.hasSuffix("\\")
                continue
            }
            if inPrototype {
                inPrototype = !line.contains(";") && !line.contains("{")
                continue
            }
            defer { documented = false }
            // Only declarations at the start of a line: indented lines are inside a type or a block.
            guard let first = raw.first, first.isLetter || first == "_",
                !["static ", "typedef ", "extern \"C\"", "return ", "if ", "else", "namespace ", "using ", "template"]
                    .contains(where: { raw.hasPrefix($0) })
            else { continue }
            if let open = raw.firstIndex(of: "(") {
                let name = identifier(raw[..<open].split(whereSeparator: { $0 == " " || $0 == "*" }).last ?? "")
                // An upper-case name is a macro call (`DECLARE_HANDLER(x);`), not a function.
                guard !name.isEmpty, name.contains(where: \.isLowercase), !name.hasPrefix("_") else { continue }
                inPrototype = !raw.contains(";") && !raw.contains("{")
                result.declarations += 1
                if !documented {
                    result.undocumented.append(declaration(raw, number: index + 1, name: name, role: .function))
                }
            } else if raw.hasPrefix("struct ") || raw.hasPrefix("enum ") || raw.hasPrefix("class "),
                raw.contains("{") || index + 1 < lines.count && lines[index + 1].hasPrefix("{")
            {
                let name = identifier(raw.split(separator: " ").dropFirst().first ?? "")
                guard !name.isEmpty, !name.hasPrefix("_") else { continue }
                result.declarations += 1
                result.typeNames.append(name)
                if !documented {
                    result.undocumented.append(declaration(raw, number: index + 1, name: name, role: .type))
                }
            }
        }
        return result
    }
}
