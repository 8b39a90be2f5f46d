/// Finds a repository's own marker words: an upper-case word its comments use the way others use TODO
/// (`/* NEEDSWORK: … */` in git's C sources), so that its notes are found like everyone's TODOs.
enum MarkerWords {
    /// A word needs at least this many uses as `WORD:` at the start of a comment...
    static let minimumUses = 10
    /// ... in at least this many files.
    static let minimumFiles = 3

    /// Upper-case words that open comments without asking for work: annotations, documentation sections, section
    /// marks, licence headers, notes to translators (gettext's `TRANSLATORS:` convention), and words of protocols
    /// and formats.
    static let notMarkers: Set<String> = [
        "NOTE", "NOTES", "NB", "WARNING", "WARNINGS", "WARN", "CAUTION", "IMPORTANT", "SAFETY", "EXAMPLE",
        "EXAMPLES", "USAGE", "SEE", "INFO", "DEPRECATED", "COPYRIGHT", "LICENSE", "LICENCE", "SPDX", "AUTHOR",
        "AUTHORS", "PARAMETERS", "PARAMS", "ARGS", "ARGUMENTS", "RETURNS", "RETURN", "RAISES", "THROWS", "TIP",
        "HINT", "SUMMARY", "DESCRIPTION", "MARK", "ATTENTION", "REMARK", "REMARKS", "OUTPUT", "INPUT", "ERROR",
        "ERRORS", "DEBUG", "TRACE", "PRECONDITION", "POSTCONDITION", "INVARIANT", "ASSUMPTION", "ASSUMES",
        "REQUIRES", "ENSURES", "DONE", "FIXED", "NEW", "OLD", "API", "URL", "HTTP", "HTTPS", "JSON", "XML", "YAML",
        "SQL", "UTF", "ASCII", "PRAGMA", "LINT", "NOLINT", "NOQA", "TYPE", "PYLINT", "ESLINT", "ISSUE", "BUGS",
        "HISTORY", "CHANGES", "VERSION", "SECURITY", "PERFORMANCE", "STEP", "PHASE", "RESULT", "RESULTS", "SETUP",
        "TEARDOWN", "GIVEN", "WHEN", "THEN", "AND", "BUT", "FOR", "THE", "THIS", "WHY", "HOW", "WHAT", "PURPOSE",
        "CONTEXT", "BACKGROUND", "DETAILS", "OVERVIEW", "COMPLEXITY", "TIME", "SPACE", "FORMAT", "SYNTAX", "DEFAULT",
        "OPTIONS", "GLOBAL", "GLOBALS", "LOCAL", "PRIVATE", "PUBLIC", "INTERNAL", "ALGORITHM", "IMPLEMENTATION",
        "REFERENCE", "REFERENCES", "SOURCE", "ORIGINAL", "CREDIT", "CREDITS", "THANKS", "FILE", "FILES", "TEST",
        "TESTS", "TESTING", "EXPECTED", "ACTUAL", "GOOD", "BAD", "CORRECT", "WRONG", "YES", "NO", "TRUE", "FALSE",
        "NULL", "NONE", "OK", "PASS", "FAIL", "SKIP", "TLDR", "FYI", "PS", "TRANSLATORS", "TRANSLATOR", "L10N",
        "I18N",
    ]

    /// The words of `tags` (found by the scan in each file) that qualify as marker words.
    static func detect(_ tagsPerFile: [[MarkerHit]]) -> [String] {
        var uses: [String: Int] = [:]
        var files: [String: Int] = [:]
        for tags in tagsPerFile {
            var seen = Set<String>()
            for tag in tags {
                uses[tag.kind, default: 0] += 1
                if seen.insert(tag.kind).inserted { files[tag.kind, default: 0] += 1 }
            }
        }
        return uses.keys.filter { word in
            (uses[word] ?? 0) >= minimumUses && (files[word] ?? 0) >= minimumFiles && !notMarkers.contains(word)
                && word.count >= 4 && word.allSatisfy { $0.isLetter }
        }
        .sorted()
    }
}
