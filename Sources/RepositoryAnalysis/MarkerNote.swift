import Foundation

extension Signal {
    /// A marker signal's word (`TODO`, `FIXME`, …) and note, from its summary "<WORD> in <path>:<line>…: <note>";
    /// nil for other kinds.
    public var markerNote: (word: String, note: String)? {
        guard kind == .marker else { return nil }
        let word = summary.split(separator: " ").first.map(String.init) ?? "TODO"
        let note = summary.split(separator: ": ", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        return (word, note)
    }
}

/// A note's wait for the project to stop supporting an old runtime: "remove after minimum Go version is >=1.22",
/// "use b.Loop() once updated to Go 1.24", "when we drop Python 3.8". The manifests say whether it is over.
public struct RuntimeWait: Sendable, Hashable {
    /// `go`, `python`, `node`, `rust` or `swift`, as `Toolchain.RuntimeRequirement` names them.
    public var runtime: String
    /// The version the note names.
    public var version: String
    /// Whether the wait ends only above `version` ("when we drop Python 3.8") rather than at it ("once the minimum
    /// is Go 1.22").
    public var strictly: Bool

    private static let mention = TextPattern(
        #"\b(go|golang|python|node\.js|nodejs|node|rust|rustc|msrv|swift)\s*(?:version\s*)?(?:is\s*)?(?:>=|≥|>)?\s*v?(\d+(?:\.\d+)?)\b"#
    )
    /// Words that say the note waits on the supported versions, not on a bug of one ("work around a Go 1.20 bug").
    private static let waits = [
        "minimum", "min ", "once", "after", "when", "until", "drop", "target", "require", "updated to", "update to",
        "upgrade to", "bump", "no longer", "oldest", "older than", "at least", "support", "eol", "end of life",
        "end-of-life",
    ]
    /// Words that say the wait ends only when the named version itself is no longer supported.
    private static let drops = ["drop", "no longer", "eol", "end of life", "end-of-life", "older than", "deprecat"]

    /// The wait `note` states, if it names a runtime's version and waits on what the project supports.
    public init?(_ note: String) {
        let lower = note.lowercased()
        guard Self.waits.contains(where: { lower.contains($0) }),
            let groups = Self.mention.captures(in: lower), groups.count == 2
        else { return nil }
        let names = ["golang": "go", "node.js": "node", "nodejs": "node", "rustc": "rust", "msrv": "rust"]
        runtime = names[groups[0]] ?? groups[0]
        version = groups[1]
        strictly = Self.drops.contains { lower.contains($0) }
    }
}

/// What a marker's note asks for, read from its words: a question to answer, a workaround to retire, a change that
/// waits on another project, an idea, a defect to fix, or a task to do.
///
/// Analysis ranks notes by it (a defect before a task, a vague or clean-up wish below both) and the plain writer words
/// the issue by it.
public enum MarkerNote: String, Sendable, Hashable {
    /// Code between backticks, whose punctuation is not the note's.
    private static let inlineCode = TextPattern(#"`[^`]*`"#)
    /// A question mark that ends a sentence.
    private static let questionMark = TextPattern(#"\?(\s|$)"#)

    case question, workaround, upstream, idea, defect, task

    /// Words of a note that says the code is wrong, not merely unfinished.
    static let defectWords = [
        "wrong", "broken", "fail", "crash", "overflow", "leak", "race", "incorrect", "bug", "corrupt", "hang",
        "deadlock", "doesn't work", "does not work", "not work", "unsafe", "truncat", "off-by-one", "off by one",
        "regression", "mismatch", "never", "lost", "loses", "drops", "twice", "infinite", "false positive",
        "stopped working",
    ]

    /// `note` as its copies share it: lower-cased words of letters and digits, so that a copy re-punctuated or
    /// re-wrapped is the same note (git's per-worktree NEEDSWORK, once without the comma after "world").
    public static func copyKey(_ note: String) -> String {
        note.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined(separator: " ")
    }

    /// What `note`, written after the marker `word` (`TODO`, `FIXME`, …), asks for.
    public static func kind(of note: String, word: String) -> MarkerNote {
        let lower = note.lowercased()
        let words = lower.split(separator: " ").map(String.init)
        let firstWord = words.first ?? ""
        // "Can we drop this" asks; "Can be removed" states: an auxiliary opens a question only before its subject.
        let asks =
            ["why", "what", "how"].contains(firstWord)
            || ["should", "is", "are", "can", "could", "does", "do"].contains(firstWord)
                && !["be", "not", "no", "now", "only", "also"].contains(words.dropFirst().first ?? "be")
        // A question mark ends a question; one in code ("line anchors like `(?m:^)`") asks nothing.
        let questionMark = Self.questionMark.matches(Self.inlineCode.removingMatches(in: lower))
        // "consider making this a public API?" proposes, with a question mark: an idea. So does a question put to
        // the team ("subdirectory must be relative, can we, should we validate that here?"): a change nobody
        // decided on.
        if questionMark || asks,
            lower.hasPrefix("consider ") || lower.hasPrefix("maybe ")
                || ["should we ", "can we ", "shall we ", "could we ", "do we want "].contains(where: lower.contains)
        {
            return .idea
        }
        if questionMark || asks
            || lower.contains("not sure") || lower.contains("unsure") || lower.contains("don't know")
            || lower.contains("dont know") || lower.contains("don't actually know")
            || lower.contains("dont actually know")
        {
            return .question
        }
        if word == "HACK"
            || ["work around", "workaround", "works around", "working around", "until "]
                .contains(where: { lower.contains($0) })
        {
            return .workaround
        }
        if [
            "when it's fixed", "when it is fixed", "once it's fixed", "once fixed", "when fixed", "is fixed in",
            "blocked on", "waiting for", "waiting on", "upstream",
        ].contains(where: { lower.contains($0) }) {
            return .upstream
        }
        // "maybe drop `where character.isASCII` clause" hedges a change nobody decided on.
        if [
            "in the future", "we might", "we could", "could consider", "consider ", "ideally", "would be nice",
            "it'd be nice",
        ]
        .contains(where: { lower.contains($0) }) || firstWord == "maybe" {
            return .idea
        }
        let asserted = assertedPart(of: lower)
        if word == "BUG" || (word != "TODO" && defectWords.contains { asserted.contains($0) })
            || lower.contains("stopped working")
        {
            return .defect
        }
        return .task
    }

    /// Whether a note says the code around it belongs in another project (jsonschema's test `These all belong
    /// upstream`, over tests that pass where they are): moving it is that project's housekeeping, not a defect.
    public static func belongsUpstream(_ note: String) -> Bool {
        let lower = note.lowercased()
        return [
            "belong upstream", "belongs upstream", "be upstreamed", "move upstream", "moved upstream", "upstream these",
            "upstream this", "move these upstream", "move this upstream",
        ].contains(where: lower.contains)
    }

    /// The part of a lower-cased note that states something, without the condition it puts: "emit a diagnostic if
    /// this fails" says what to add when something fails, not that anything does; "if the list is empty, this
    /// crashes" still says the code crashes.
    static func assertedPart(of lower: String) -> String {
        // Without a comma, where the condition ends is not known: the whole note stands.
        for opener in ["if ", "when ", "in case ", "unless "] where lower.hasPrefix(opener) {
            return lower.firstIndex(of: ",").map { String(lower[lower.index(after: $0)...]) } ?? lower
        }
        let clauses = [" if ", " when ", " in case ", " unless "].compactMap { lower.range(of: $0)?.lowerBound }
        return clauses.min().map { String(lower[..<$0]) } ?? lower
    }

    /// Words that say nothing about what to change: "Come up with a cleaner solution", "this isn't quite right",
    /// "do this better" name no behaviour, no data and no place.
    private static let emptyWords: Set<String> = [
        "a", "an", "the", "this", "that", "these", "those", "it", "its", "it's", "here", "there", "is", "isn't", "are",
        "be", "been", "not", "no", "do", "does", "done", "make", "fix", "fixed", "should", "must", "need", "needs",
        "we", "to", "of", "and", "or", "in", "on", "for", "with", "at", "so", "up", "come", "more", "less", "much",
        "very", "quite", "really", "right", "correct", "good", "nice", "better", "best", "clean", "cleaner",
        "cleanup", "clean-up", "improve", "improved", "improvement", "simplify", "simpler", "refactor",
        "refactoring", "rewrite", "optimize", "optimise", "optimization", "solution", "way", "approach", "code",
        "method", "function", "logic", "part", "bit", "thing", "things", "stuff", "something", "properly", "proper",
        "hack", "hacky", "ugly", "again", "later", "eventually", "drastically", "all", "least", "just", "maybe",
        "perhaps", "some", "other", "one", "handle", "handling", "case", "cases", "work", "works", "needed",
        "todo", "fixme", "xxx", "etc", "e.g.", "i.e.", "&", "/", "-",
    ]

    /// The words of `note` that name something: what is left after the words that name nothing.
    static func namingWords(_ note: String) -> [String] {
        note.lowercased()
            .split(whereSeparator: { $0 == " " || $0 == "\t" })
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ".,;:!?()[]{}\"'`*_")) }
            .filter { !$0.isEmpty && !emptyWords.contains($0) }
    }

    /// Whether `note` says too little to act on: it names no behaviour, data or place ("Come up with a cleaner
    /// solution", "this isn't quite right", "refactor & simplify this method").
    public static func isVague(_ note: String) -> Bool {
        namingWords(note).isEmpty
    }

    /// Verbs a note opens with when it only wishes the code were tidier: its author's taste, not a user's problem.
    private static let cleanupVerbs: Set<String> = [
        "refactor", "simplify", "clean", "cleanup", "tidy", "rewrite", "reorganize", "reorganise", "restructure",
        "optimize", "optimise", "prettify", "beautify",
    ]

    /// Whether `note` only asks for the code to be restructured ("Refactor into a utility function …", "simplify
    /// this"), not for behaviour to change.
    public static func isCleanupWish(_ note: String) -> Bool {
        let first = note.lowercased().split(separator: " ").first.map(String.init) ?? ""
        return cleanupVerbs.contains(first.trimmingCharacters(in: .punctuationCharacters))
    }

    /// Whether `note` explains the code rather than asks for a change ("This is a backward loop because bindings go
    /// in reverse"): markers like `XXX` and `NOTE` often only draw attention.
    public static func onlyExplains(_ note: String) -> Bool {
        let lower = note.lowercased()
        // "This should be dead code because callers …": the note states an invariant the code relies on.
        let invariants = [
            "should be dead code", "should never happen", "shouldn't happen", "should not happen", "can't happen",
            "cannot happen", "should be unreachable",
        ]
        if invariants.contains(where: { lower.contains($0) }) { return true }
        let openers = ["this is ", "this was ", "these are ", "here we ", "we do this ", "note that ", "note: "]
        guard openers.contains(where: { lower.hasPrefix($0) }) else { return false }
        let asks = [
            "should", "must", "need", "todo", "fix", "wrong", "broken", "not ", "n't", "?", "remove", "replace",
            "instead",
        ]
        return !asks.contains { lower.contains($0) }
    }

    /// Whether `next`, the text of a note on the line right under `previous`'s with the same marker word, goes on
    /// with it rather than starting a note of its own: `XXX: This can be confused by subclassing a slotted class
    /// with` / `XXX: a non-attrs class and …`. Only when `previous` stops where no sentence can end (a comma, a word
    /// such as `with` or `the`), or `next` opens by ending a sentence (`XXX: class.  See …`): notes on
    /// consecutive lines are otherwise each their own (`TODO: add tests` / `TODO: the cache is never evicted`).
    static func continues(_ previous: String, with next: String) -> Bool {
        guard let opening = next.split(separator: " ").first, let first = opening.first else { return false }
        if endsMidSentence(previous) { return true }
        let ended = previous.trimmingCharacters(in: .whitespaces).last.map { ".!?:;)".contains($0) } ?? true
        return !ended && first.isLowercase && opening.count > 1 && ".,;".contains(opening.last ?? " ")
    }

    /// Whether `text` stops where a sentence cannot end: after a comma or a word that needs more (`with`, `the`,
    /// `one of`).
    static func endsMidSentence(_ text: String) -> Bool {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard let last = text.last else { return false }
        if last == "," { return true }
        let lastWord = text.split(separator: " ").last.map { $0.lowercased() } ?? ""
        return midSentenceWords.contains(lastWord)
    }

    private static let midSentenceWords: Set<String> = [
        "a", "an", "the", "with", "and", "or", "of", "to", "in", "on", "for", "by", "from", "that", "that's",
        "is", "are", "be", "but", "if", "when", "because", "as", "at", "than",
    ]

    /// Verbs a note opens with when it says what to do (`allow --compress with --chunked`).
    private static let imperativeVerbs: Set<String> = [
        "accept", "add", "allow", "apply", "avoid", "build", "bump", "cache", "calculate", "call", "cap", "catch",
        "check", "clean", "clear", "close", "compute", "convert", "create", "decode", "deduplicate", "delete",
        "deprecate", "detect", "disable", "document", "drop", "emit", "enable", "encode", "ensure", "escape",
        "exclude", "expand", "expose", "extract", "factor", "figure", "find", "fix", "free", "generalize", "get",
        "guard", "handle", "hide", "honor", "honour", "implement", "improve", "include", "inline", "introduce",
        "investigate", "keep", "limit", "load", "lock", "log", "make", "mark", "measure", "merge", "migrate", "move",
        "notify", "parse", "pass", "port", "prefer", "preserve", "print", "propagate", "provide", "raise", "read",
        "re-enable", "reduce", "refactor", "reject", "release", "remove", "rename", "replace", "report", "require",
        "reset", "respect", "restore", "retry", "return", "reuse", "rewrite", "run", "save", "send", "set", "share",
        "show", "simplify", "skip", "sort", "speed", "split", "store", "support", "switch", "sync", "test", "throw",
        "track", "tune", "unify", "update", "upgrade", "use", "validate", "verify", "warn", "wrap", "write",
    ]

    /// Words that open a statement about the code rather than an instruction: "the body also gets parsed twice".
    private static let statementOpeners: Set<String> = [
        "the", "this", "that", "these", "those", "it", "its", "there", "we", "i", "our", "a", "an", "here",
    ]

    /// Whether `note` says what to do: it opens with a verb (`allow --compress with --chunked`), says what is needed
    /// (`we should check ahead`, `more tests needed`, `X is missing`, `… instead of …`), or is a sentence that does
    /// not open as a statement. "Custom error exit codes" and "signals support" only name a topic; "the body also
    /// gets parsed in json.py" states a fact.
    public static func asksForChange(_ note: String) -> Bool {
        let lower = note.lowercased()
        let words = lower.split(separator: " ").map { $0.trimmingCharacters(in: .punctuationCharacters) }
        let first = words.first ?? ""
        if imperativeVerbs.contains(first) { return true }
        if needPhrases.contains(where: { lower.contains($0) }) { return true }
        // "response is the only one" states a fact about its subject.
        if words.count > 1, ["is", "are", "was", "were", "has", "have"].contains(words[1]) { return false }
        return words.count > 4 && !statementOpeners.contains(first)
    }

    /// Whether `note` asks for something in so many words: it opens with a verb (`document this`) or says what is
    /// needed (`should`, `must`, `is missing`, …). "We abuse uv_write2() to send UDP handles" and "in current Hurd,
    /// strings are char arrays" state facts.
    public static func asksExplicitly(_ note: String) -> Bool {
        let lower = note.lowercased()
        let first = lower.split(separator: " ").first.map { $0.trimmingCharacters(in: .punctuationCharacters) } ?? ""
        return imperativeVerbs.contains(first)
            || (needPhrases + ["todo", "fixme"]).contains { lower.contains($0) }
    }

    /// Phrases that say something is needed: `should`, `must`, `is missing`, `… instead of …`.
    private static let needPhrases = [
        "should", "need to", "needs to", "needed", "must", "have to", "has to", "want to", "would like", "let's",
        "ought to", "missing", "not yet", "not implemented", "unimplemented", "not supported", "doesn't support",
        "does not support", "instead of",
    ]

    /// Whether `note` names a failure (`drops`, `never`, `crash`, …), whatever its marker word.
    public static func mentionsDefect(_ note: String) -> Bool {
        let asserted = assertedPart(of: note.lowercased())
        return defectWords.contains { asserted.contains($0) }
    }

    /// Words of a note whose concern is a cost (speed, copies), the test suite's coverage or the wording of messages
    /// (translation, plurals): real, but below a wrong result in what users meet.
    private static let minorConcerns = [
        "performance", "faster", "slow", "speed up", "too much copying", "copies", "allocation", "optimi",
        "more tests", "tests needed", "test coverage", "more testing", "i18n", "translat", "plural", "wording",
        "spelling",
    ]

    /// Words of a note whose concern is harm a user meets: a crash, lost or corrupted data, a silent wrong result.
    private static let harms = [
        "crash", "corrupt", "data loss", "lost", "loses", "silently", "wrong result", "misleading", "hang",
        "deadlock", "security", "infinite",
    ]

    /// Whether `note` is about a cost, test coverage or wording rather than behaviour ("more tests needed for …",
    /// "loadv/storev may do too much copying", "msgcat doesn't support plurals").
    public static func isMinorConcern(_ note: String) -> Bool {
        let lower = note.lowercased()
        return minorConcerns.contains { lower.contains($0) } && !harms.contains { lower.contains($0) }
    }

    /// Whether `note` asks for more tests in general ("much more number testing needed", "more tests needed") rather
    /// than for a case it names.
    public static func wishesMoreTests(_ note: String) -> Bool {
        let lower = note.lowercased()
        return ["more tests", "tests needed", "test coverage", "more testing", "testing needed"].contains {
            lower.contains($0)
        }
    }

    /// Whether `note` asks how to test something ("How do we verify if an intermediate empty list is not shown?"):
    /// in a test, such a question is about the test's method, not a doubt about the code under test.
    public static func asksHowToTest(_ note: String) -> Bool {
        let lower = note.lowercased()
        guard lower.hasPrefix("how ") else { return false }
        return ["verify", "test", "check", "assert", "detect"].contains { lower.contains($0) }
    }

    /// Whether `code`, the code right under a note, marks a test skipped, disabled or expected to fail
    /// (`test('…', { skip: isWin }, …)`, `@pytest.mark.skip`, `t.Skip()`, `#[ignore]`): the note says what stops the
    /// test, and the marker is evidence that it is still stopped.
    public static func marksSkippedTest(_ code: String) -> Bool {
        guard let first = code.split(separator: "\n").first.map(String.init) else { return false }
        return skipMarker.matches(first)
    }

    /// A skip, expected failure or disabled test on a line of code, as a word (`skip: isWin`, `t.Skip()`,
    /// `@pytest.mark.xfail`, `xit(`), not inside another (`skipWhitespace`, `self.current.exit()`).
    private static let skipMarker = TextPattern(
        #"(?i)\b(skip|skipnow|xfail|xit|xdescribe|xtest)\b|#\[ignore|@ignore|@disabled|\.disabled"#)

    /// Whether `note` names harm a user meets.
    static func namesHarm(_ note: String) -> Bool {
        let lower = note.lowercased()
        return harms.contains { lower.contains($0) }
    }

    /// Whether `note` only supposes a problem ("loadv/storev may do too much copying"): nobody measured it.
    public static func speculates(_ note: String) -> Bool {
        // Punctuation ends a word: "… for the non-matching bytes I think." supposes as much as "I think it …".
        let lower = " " + String(note.lowercased().map { $0.isPunctuation ? " " : $0 }) + " "
        return [" may ", " might ", " probably ", " possibly ", " perhaps ", " i think ", " i guess "].contains {
            lower.contains($0)
        }
    }

    /// Whether `note` says its own problem does no harm ("temp*(temp^1) may overflow on 16-bit systems; not a
    /// problem with any known compiler so far"): nobody is waiting for the change.
    public static func concedesNoHarm(_ note: String) -> Bool {
        let lower = note.lowercased()
        return [
            "not a problem", "not an issue in practice", "not a real problem", "harmless", "no known compiler",
            "never happens in practice", "doesn't matter in practice", "does not matter in practice",
            // Or that it is good enough as it is ("this is good-enough-for-now logic").
            "good enough for now", "good-enough-for-now", "good enough as is", "good enough in practice",
            // Or that the project accepts it ("For now that's OK with us").
            "that's ok with us", "that is ok with us", "fine for now", "acceptable for now", "ok for now",
        ].contains { lower.contains($0) }
    }

    /// Whether `note` depends on code outside the repository that only its authors' employer has ("port the
    /// Google-internal full integration test into here"): nobody else can do it.
    public static func needsPrivateCode(_ note: String) -> Bool {
        let lower = note.lowercased()
        if [
            "our internal ", "internal version of", "internal copy of", "internal repo", "internally at ",
            "google3", "fbcode", "proprietary", "closed-source", "closed source",
        ]
        .contains(where: { lower.contains($0) }) {
            return true
        }
        // "Google-internal", "FB-internal": a company's name joined to `internal`.
        guard let range = note.range(of: "-internal", options: .caseInsensitive) else { return false }
        let company = note[..<range.lowerBound].reversed().prefix { $0.isLetter || $0.isNumber }
        return company.last?.isUppercase == true
    }

    /// Whether `note` weighs a change against its cost and says why it was not made ("We should try every prefix
    /// of input0.json, but that makes this test very, very slow"): a decision on record, not a task left behind.
    public static func recordsTradeOff(_ note: String) -> Bool {
        let lower = note.lowercased()
        guard let but = lower.range(of: ", but ") ?? lower.range(of: " but that ") else { return false }
        let wish = lower[..<but.lowerBound]
        return ["should", "could", "would", "ideally", "we'd"].contains(where: { wish.contains($0) })
    }

    /// Whether `note` concedes a flaw and says why the code keeps it ("This is wrong, but not doing this leads to
    /// incorrect results because of how anchored searches are implemented"): removing it is what would break, so
    /// the note is a decision on record, not a task.
    public static func keepsFlawOnPurpose(_ note: String) -> Bool {
        let lower = note.lowercased()
        // "Can overflow here. Cannot be fixed without breaking the API": the fix costs more than the flaw.
        if [
            "cannot be fixed without", "can't be fixed without", "can not be fixed without", "without breaking the api",
            "without an api break", "without breaking compatibility",
        ]
        .contains(where: { lower.contains($0) }) {
            return true
        }
        guard let but = lower.range(of: ", but ") else { return false }
        let reason = lower[but.upperBound...]
        return [
            "not doing this", "not doing so", "without this", "without it", "otherwise", "removing it",
            "removing this", "changing it", "changing this", "would break", "breaks ", "leads to", "is required",
            "is needed", "necessary", "would prevent", "would stop",
        ].contains { reason.contains($0) }
    }

    /// How specific `note` is, for ranking notes of equal severity: the words that name something, the concrete
    /// tokens among them (an identifier, a flag, a path, a number, a quoted value) and whether it names a defect.
    public static func specificity(_ note: String, word: String) -> Int {
        let naming = namingWords(note)
        let concrete = naming.filter { token in
            token.contains("_") || token.contains(".") || token.hasPrefix("-") || token.contains("(")
                || token.contains("/") || token.contains(where: \.isNumber) || token.contains("-")
        }
        let quoted = note.contains("\"") || note.contains("`") || note.contains("'") && !note.contains("'s ")
        return min(naming.count, 12) + 2 * min(concrete.count, 3) + (quoted ? 2 : 0)
            + (kind(of: note, word: word) == .defect ? 4 : 0) + (namesHarm(note) ? 6 : 0)
    }
}
