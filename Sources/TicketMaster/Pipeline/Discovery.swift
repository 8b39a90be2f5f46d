import Foundation
import LanguageModels
import RepositoryAnalysis

/// What the discovery stage did: how much code it read, and what became of each defect the model reported.
public struct DiscoveryCounts: Codable, Sendable, Hashable {
    /// Passages of code read, one model call each.
    public var chunks = 0
    /// Passages planned before the stage stopped or finished.
    public var plannedChunks = 0
    /// Defects the model reported.
    public var proposed = 0
    /// Defects whose every citation held, kept as findings.
    public var verified = 0
    /// Defects dropped because a citation did not hold, by reason (`missing-line`, `unverified-quote`, …).
    public var dropped: [String: Int] = [:]
    /// Verified defects set aside because analysis or an earlier passage already found the same lines.
    public var duplicates = 0

    /// Every dropped defect.
    public var droppedCount: Int { dropped.values.reduce(0, +) }

    /// One line for the run's notes: `discovery read 4 passages of 2 files: 5 defects proposed, 1 verified, …`.
    public var summary: String {
        var text =
            "discovery read \(chunks) of \(plannedChunks) passage(s): \(proposed) defect(s) proposed, \(verified) "
            + "verified, \(droppedCount) dropped"
        if !dropped.isEmpty {
            text += " (" + dropped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            text += ")"
        }
        if duplicates > 0 { text += ", \(duplicates) already found" }
        return text
    }
}

extension ModelWriter {
    /// What the model reports for one passage of code.
    struct Defects: Codable, Sendable {
        var defects: [Defect]
    }

    /// One defect as the model reports it, before its citations are checked.
    struct Defect: Codable, Sendable {
        var title: String
        var category: String
        var severity: String
        var explanation: String
        var fix: String
        var citations: [Cited]
    }

    /// The categories a reported defect may have.
    static let defectCategories = [
        "bug-risk", "error-handling", "resource-handling", "concurrency", "security", "dead-code", "test-cannot-fail",
    ]

    /// What the discovery stage produced: findings to plan with analysis's, the counts, and the calls made.
    struct Discovered: Sendable {
        var signals: [Signal]
        var counts: DiscoveryCounts
        var calls: [ModelCall]
        /// The model error that stopped the stage early (a spent budget, a server that went away).
        var stoppedBy: LanguageModelError?
    }

    /// A passage of a file, as the model reads it.
    struct Passage: Sendable {
        var path: String
        var lines: [String]
        var range: Range<Int>
    }

    /// The discovery stage: the model reads the hottest code in passages and reports defects; a defect becomes a
    /// finding only when every line it cites exists, every piece of code it quotes is on those lines and every
    /// symbol it names is declared in the file. Everything else is dropped and counted.
    ///
    /// Every passage is one call with the same system prompt, so a server's prompt cache is reused; the stage
    /// stops early when a call fails for a reason that will not pass (a spent `--max-cost`, a server that is down)
    /// or when the task is cancelled.
    func discover(
        in report: RepositoryReport, citations: any CitationOracle, passages limit: Int,
        progress: (_ completed: Int, _ total: Int) -> Void = { _, _ in }
    ) async -> Discovered {
        guard let stage = discovering else {
            return Discovered(signals: [], counts: DiscoveryCounts(), calls: [], stoppedBy: nil)
        }
        let passages = await Self.passages(of: report, citations: citations, limit: limit) { passage in
            await stage.tokens.count(prompt(for: passage, in: stage)) <= promptTokenBudget
        }
        var counts = DiscoveryCounts()
        counts.plannedChunks = passages.count
        var calls: [ModelCall] = []
        var kept: [Signal] = []
        var stoppedBy: LanguageModelError?
        let known = report.signals.flatMap { signal in
            signal.evidence.locations.compactMap { location in
                location.startLine.map { (location.path, $0...(location.endLine ?? $0)) }
            }
        }
        for (index, passage) in passages.enumerated() {
            guard !Task.isCancelled else { break }
            progress(index, passages.count)
            let schema = JSONSchema.object([
                .init(
                    "defects",
                    .array(
                        of: .object([
                            .init("title", .string(minLength: 12, maxLength: 79)),
                            .init("category", .oneOf(Self.defectCategories)),
                            .init("severity", .oneOf(["low", "medium", "high"])),
                            .init("explanation", .string(minLength: 20, maxLength: 600)),
                            .init("fix", .string(minLength: 10, maxLength: 400)),
                            .init("citations", .array(of: Cited.schema, minItems: 1, maxItems: 3)),
                        ]), minItems: 0, maxItems: 3))
            ])
            let reply: Defects
            do {
                let (value, made) = try await generate(
                    Defects.self, in: stage, schema: schema, prompt: prompt(for: passage, in: stage))
                calls += made
                reply = value
            } catch let failure as StageError {
                calls += failure.calls
                counts.chunks += 1
                // A reply that broke the schema loses this passage; any other failure ends the stage.
                if failure.error.code == .invalidStructuredOutput { continue }
                stoppedBy = failure.error
                break
            } catch {
                break
            }
            counts.chunks += 1
            counts.proposed += reply.defects.count
            for defect in reply.defects {
                let cited = defect.citations.map(\.citation)
                var problem: DraftProblem?
                for citation in cited where problem == nil { problem = await citation.problem(citations) }
                if let problem {
                    counts.dropped[Self.reasonName(problem.rule), default: 0] += 1
                    continue
                }
                let ranges = cited.map { ($0.path, $0.startLine...$0.endLine) }
                let overlaps = { (other: [(String, ClosedRange<Int>)]) in
                    ranges.contains { path, lines in
                        other.contains {
                            $0.0 == path && $0.1.overlaps((lines.lowerBound - 2)...(lines.upperBound + 2))
                        }
                    }
                }
                let earlier = kept.map { signal in
                    signal.evidence.locations.map { ($0.path, ($0.startLine ?? 0)...($0.endLine ?? 0)) }
                }
                if overlaps(known) || earlier.contains(where: overlaps) {
                    counts.duplicates += 1
                    continue
                }
                counts.verified += 1
                kept.append(signal(for: defect, citations: cited, model: stage.model.descriptor))
            }
        }
        progress(counts.chunks, passages.count)
        return Discovered(signals: kept, counts: counts, calls: calls, stoppedBy: stoppedBy)
    }

    /// The finding for a verified defect. Its severity is the model's, but never above medium: a quote that holds
    /// proves the code is there, not that the defect is real, so a defect found by reading never outranks what
    /// analysis proved.
    private func signal(for defect: Defect, citations: [CodeCitation], model: ModelDescriptor) -> Signal {
        let lead = citations[0]
        let severity: Severity = defect.severity == "low" ? .low : .medium
        return Signal(
            kind: .codeReading, severity: severity,
            identity: [lead.path, lead.symbol ?? CodeCitation.quotedParts(lead.code, path: lead.path).joined()],
            summary: "\(lead.location): \(defect.title)",
            evidence: Evidence(
                locations: citations.map {
                    SourceLocation(
                        path: $0.path, startLine: $0.startLine, endLine: $0.endLine, excerpt: $0.code,
                        symbol: $0.symbol)
                },
                reading: CodeReading(
                    model: "\(model.provider) \(model.model)", title: defect.title, category: defect.category,
                    explanation: defect.explanation, fix: defect.fix)))
    }

    /// How the counts name a reason a defect was dropped.
    static func reasonName(_ rule: DraftProblem.Rule) -> String {
        switch rule {
        case .missingPath: "missing-file"
        case .missingLine: "missing-line"
        case .unverifiedQuote: "unverified-quote"
        case .missingSymbol: "missing-symbol"
        default: rule.rawValue
        }
    }

    private func prompt(for passage: Passage, in stage: Stage) -> RenderedPrompt {
        let lines = passage.range.map { index in
            "\(passage.path):\(index + 1): " + String(passage.lines[index].prefix(240))
        }
        return stage.prompts.render(
            stage.stage.templateName,
            [
                "path": passage.path, "first": passage.range.lowerBound + 1, "last": passage.range.upperBound,
                "count": passage.lines.count, "lines": lines,
            ])
    }

    /// The passages to read, hottest code first: the files bug fixes keep touching, then the busiest files and the
    /// rest of the files analysis ranked by churn; at most two passages of a file and `limit` in all. A passage is
    /// as many lines as fit the prompt budget, from 120 down to 20, and ends at a line that closes a block when
    /// one is near.
    static func passages(
        of report: RepositoryReport, citations: any CitationOracle, limit: Int,
        fits: (Passage) async -> Bool
    ) async -> [Passage] {
        let order: [SignalKind] = [.defectHotspot, .hotFile, .untestedCode]
        var paths: [String] = []
        for kind in order {
            for signal in report.signals where signal.kind == kind {
                paths += signal.evidence.locations.map(\.path)
            }
        }
        paths += report.hotFiles.map(\.path)
        var seen = Set<String>()
        paths = paths.filter { RepositoryReport.isCodePath($0) && seen.insert($0).inserted }
        var passages: [Passage] = []
        var size: Int?
        for path in paths where passages.count < limit {
            guard let lines = await citations.lines(of: path), !lines.isEmpty else { continue }
            var start = 0
            for _ in 0..<2 where start < lines.count && passages.count < limit {
                var length = size ?? 120
                var passage = Passage(path: path, lines: lines, range: start..<min(lines.count, start + length))
                while length > 20, await !fits(passage) {
                    length = max(20, length * 2 / 3)
                    passage.range = start..<min(lines.count, start + length)
                }
                size = size ?? length
                passage.range = start..<Self.blockEnd(in: lines, from: start, to: passage.range.upperBound)
                passages.append(passage)
                start = passage.range.upperBound
            }
        }
        return passages
    }

    /// Where a passage that would end at `end` ends instead: after the last line in its final quarter that
    /// closes a block or is blank, so that a function is not cut in the middle when it need not be.
    static func blockEnd(in lines: [String], from start: Int, to end: Int) -> Int {
        guard end < lines.count else { return end }
        let earliest = start + (end - start) * 3 / 4
        for index in stride(from: end - 1, through: max(earliest, start + 1), by: -1) {
            let text = lines[index].trimmingCharacters(in: .whitespaces)
            if text == "}" || text == "};" || text.isEmpty { return index + 1 }
        }
        return end
    }
}
