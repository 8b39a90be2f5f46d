import Foundation
import RepositoryAnalysis
import TicketMasterTesting

/// A fixed clock for tests: day 0 is 2024-01-01T00:00:00Z.
enum Day {
    static let zero = Date(timeIntervalSince1970: 1_704_067_200)

    /// The moment `days` days after day 0.
    static func at(_ days: Double) -> Date {
        zero.addingTimeInterval(days * 86_400)
    }
}

/// Analyses `repository` with `now` fixed at day 100 unless given.
func analyze(
    _ url: URL, _ options: AnalysisOptions = AnalysisOptions(now: Day.at(100)), git: GitExecutable = .init()
) async throws -> RepositoryReport {
    try await RepositoryAnalyzer(options: options, git: git).analyze(at: url)
}

/// Runs `body` with a new temporary repository and removes it afterwards, even when `body` throws.
func withRepository<T>(
    bare: Bool = false, _ body: (TemporaryGitRepository) async throws -> T
) async throws -> T {
    let repository = try await TemporaryGitRepository.make(bare: bare)
    defer { repository.remove() }
    return try await body(repository)
}

/// Sums `git log --numstat` output the simplest way, independently of the parser under test.
func numstatTotals(
    _ repository: TemporaryGitRepository, _ arguments: [String] = []
) async throws -> (
    commits: Int, insertions: Int, deletions: Int
) {
    let output = try await repository.run(["log", "--numstat", "--format=commit %H"] + arguments)
    var commits = 0
    var insertions = 0
    var deletions = 0
    for line in output.split(separator: "\n") {
        if line.hasPrefix("commit ") {
            commits += 1
            continue
        }
        let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3 else { continue }
        insertions += Int(fields[0]) ?? 0
        deletions += Int(fields[1]) ?? 0
    }
    return (commits, insertions, deletions)
}

/// A `git fast-import` stream of `count` linear commits on `main` by three authors, one a day from day 0, each
/// changing one of `files` Swift files; every 50th commit renames a file, every 70th adds a binary file, and
/// every 40th is a merge of a one-commit side branch.
func syntheticHistory(commits count: Int, files: Int = 20) -> String {
    var stream = ""
    var contents = (0..<files).map { index in (0..<5).map { "let value\(index)_\($0) = \($0)" } }
    var names = (0..<files).map { "Sources/Module\($0 % 4)/File\($0).swift" }
    let authors = ["Ada <ada@example.com>", "Grace <grace@example.com>", "Linus <linus@example.com>"]
    var mark = 0
    func data(_ text: String) -> String { "data \(text.utf8.count)\n\(text)\n" }
    func commit(_ message: String, day: Int, author: String, body: String, from: Int?, merge: Int? = nil) -> Int {
        mark += 1
        let time = 1_704_067_200 + day * 86_400
        stream += "commit refs/heads/\(merge == nil && from != nil && message.hasPrefix("Side") ? "side" : "main")\n"
        stream += "mark :\(mark)\nauthor \(author) \(time) +0000\ncommitter \(author) \(time) +0000\n" + data(message)
        if let from { stream += "from :\(from)\n" }
        if let merge { stream += "merge :\(merge)\n" }
        stream += body
        return mark
    }
    var body = ""
    for index in 0..<files {
        body += "M 100644 inline \(names[index])\n" + data(contents[index].joined(separator: "\n") + "\n")
    }
    var head = commit("Initial import", day: 0, author: authors[0], body: body, from: nil)
    var made = 1
    while made < count {
        let author = authors[made % 7 == 0 ? 2 : made % 3 == 0 ? 1 : 0]
        let file = (made * 7) % files
        if made % 40 == 0, made + 1 < count {
            contents[file].append("// side change \(made)")
            let side = commit(
                "Side change \(made)", day: made, author: author,
                body: "M 100644 inline \(names[file])\n" + data(contents[file].joined(separator: "\n") + "\n"),
                from: head)
            head = commit(
                "Merge side \(made)", day: made, author: author,
                body: "M 100644 inline \(names[file])\n" + data(contents[file].joined(separator: "\n") + "\n"),
                from: head, merge: side)
            made += 2
            continue
        }
        var body = ""
        if made % 50 == 0 {
            let newName = names[file].replacingOccurrences(of: ".swift", with: "Renamed.swift")
            body += "R \(names[file]) \(newName)\n"
            names[file] = newName
        }
        if made % 70 == 0 {
            body += "M 100644 inline Resources/blob\(made).bin\n" + data("\u{0}binary\u{0}\(made)")
        }
        contents[file].remove(at: made % contents[file].count)
        contents[file].append("let added\(made) = \(made)")
        contents[file].append("let more\(made) = \(made * 2)")
        body += "M 100644 inline \(names[file])\n" + data(contents[file].joined(separator: "\n") + "\n")
        head = commit("Change \(made)", day: made, author: author, body: body, from: head)
        made += 1
    }
    return stream + "reset refs/heads/main\nfrom :\(head)\n\ndone\n"
}
