import Foundation

/// The history facts analysis reports, computed in one pass over the window's commits, newest first.
///
/// Paths are interned to integers so the pass does one dictionary lookup per file change. History follows
/// renames: changes made under an old name count for the file's current name. A path that was deleted and later
/// re-created starts a new history: changes before the re-creation belong to a different file that happened to
/// have the same name, and are not counted for the current one.
struct HistoryAggregate: Sendable {
    /// The recent period, in days before the reference date.
    static let recentDays = 90
    /// Half-life, in days, of a change's weight in a hot-file score.
    static let halfLifeDays = 30.0
    /// Commits changing more files than this are left out of change coupling: mass edits (formatting, renames,
    /// licence headers) would couple everything with everything.
    static let maxCouplingCommitSize = 30
    /// Coupling pairs need at least this many shared commits to be reported.
    static let minCouplingCommits = 5

    /// The history of a file that exists at `HEAD`.
    struct FileHistory: Sendable {
        /// The path at `HEAD`.
        var path: String
        /// Commits that changed it.
        var commits = 0
        /// Commits in the recent period.
        var recentCommits = 0
        /// Lines added.
        var insertions = 0
        /// Lines removed.
        var deletions = 0
        /// Distinct authors.
        var authors = 0
        /// Recency-weighted churn.
        var score = 0.0
        /// The newest commits that changed it (indices into the records), at most five, newest first.
        var newestCommits: [Int] = []
        /// The commit that created it, if inside the window.
        var addedCommit: Int?
    }

    /// Code changes since the documentation last changed.
    struct DocumentationDrift: Sendable {
        /// The newest commit that changed documentation, if any in the window.
        var lastDocumentationCommit: Int?
        /// The documentation files that commit changed.
        var documentationPaths: [String] = []
        /// Commits, newer than that one, that changed code (indices, newest first).
        var commits: [Int] = []
        /// Lines those commits added to code.
        var insertions = 0
        /// Lines those commits removed from code.
        var deletions = 0
    }

    /// The records, newest first.
    var records: [CommitRecord]
    /// The newest committer date in the window; "recent" and hot-file weights are measured from it.
    var referenceTime: Int64?
    /// Sums over the commits.
    var totals: RepositoryReport.Totals
    /// Authors, most commits first.
    var authors: [RepositoryReport.AuthorStatistics]
    /// Activity per month, oldest first.
    var activity: [RepositoryReport.MonthlyActivity]
    /// The history of each tracked, not ignored file that changed in the window, by path.
    var files: [String: FileHistory]
    /// Churn per directory, most commits first.
    var directories: [RepositoryReport.DirectoryChurn]
    /// Ownership of first- and second-level directories and of the whole repository (`.`), most commits first.
    var ownership: [RepositoryReport.Ownership]
    /// Coupled pairs of tracked files, most shared commits first.
    var couplings: [RepositoryReport.CouplingPair]
    /// Recent additions, newest first.
    var added: [RepositoryReport.FileEvent]
    /// Recent deletions, newest first.
    var deleted: [RepositoryReport.FileEvent]
    /// Recent renames, newest first.
    var renamed: [RepositoryReport.FileEvent]
    /// Code changes since the docs last changed.
    var documentation: DocumentationDrift

    /// A reference to the commit at `index`.
    func reference(_ index: Int) -> CommitReference {
        let record = records[index]
        return CommitReference(
            hash: record.hash, subject: record.subject,
            date: Date(timeIntervalSince1970: TimeInterval(record.authorTime)))
    }

    /// Whether a commit time is in the recent period.
    func isRecent(_ time: Int64) -> Bool {
        guard let referenceTime else { return false }
        return time >= referenceTime - Int64(Self.recentDays) * 86_400
    }

    init(records: [CommitRecord], tracked: [String], ignore: IgnorePatterns, shallowBoundaries: Set<String>) {
        self.records = records
        let referenceTime = records.map(\.commitTime).max()
        self.referenceTime = referenceTime
        let recentStart = (referenceTime ?? 0) - Int64(Self.recentDays) * 86_400

        // Paths: tracked ones first, so that an id below `trackedCount` means "exists at HEAD".
        var pathIDs: [String: Int32] = [:]
        var paths: [String] = []
        var canonical: [Int32] = []
        var ignored: [Bool] = []
        var documentationFlags: [Bool] = []
        var generated: [Bool] = []
        var ancestors: [[Int32]] = []
        var directoryIDs: [String: Int32] = [:]
        var directoryPaths: [String] = []

        func directoryChain(_ path: String) -> [Int32] {
            var chain: [Int32] = []
            var prefix = ""
            for component in path.split(separator: "/", omittingEmptySubsequences: false).dropLast() {
                prefix = prefix.isEmpty ? String(component) : prefix + "/" + component
                if let id = directoryIDs[prefix] {
                    chain.append(id)
                } else {
                    let id = Int32(directoryPaths.count)
                    directoryIDs[prefix] = id
                    directoryPaths.append(prefix)
                    chain.append(id)
                }
            }
            return chain
        }
        func newID(_ path: String) -> Int32 {
            let id = Int32(paths.count)
            paths.append(path)
            canonical.append(id)
            ignored.append(ignore.matches(path))
            documentationFlags.append(FileKinds.isDocumentation(path))
            generated.append(FileKinds.isGenerated(path))
            ancestors.append(directoryChain(path))
            return id
        }
        func intern(_ path: String) -> Int32 {
            if let id = pathIDs[path] { return id }
            let id = newID(path)
            pathIDs[path] = id
            return id
        }
        for path in tracked { _ = intern(path) }
        let trackedCount = Int32(paths.count)

        // Per path id (canonical ids only get counts).
        var fileCommits = [Int32](repeating: 0, count: paths.count)
        var fileRecent = [Int32](repeating: 0, count: paths.count)
        var fileInsertions = [Int](repeating: 0, count: paths.count)
        var fileDeletions = [Int](repeating: 0, count: paths.count)
        var fileScore = [Double](repeating: 0, count: paths.count)
        var fileLastCommit = [Int32](repeating: -1, count: paths.count)
        var fileNewest = [[Int]](repeating: [], count: paths.count)
        var fileAuthors = [[Int32: Int32]](repeating: [:], count: paths.count)
        var fileAdded = [Int?](repeating: nil, count: paths.count)
        var changed = [Bool](repeating: false, count: paths.count)
        func grow() {
            while fileCommits.count < paths.count {
                changed.append(false)
                fileCommits.append(0)
                fileRecent.append(0)
                fileInsertions.append(0)
                fileDeletions.append(0)
                fileScore.append(0)
                fileLastCommit.append(-1)
                fileNewest.append([])
                fileAuthors.append([:])
                fileAdded.append(nil)
            }
        }

        // Directories.
        var directoryCommits: [Int32] = []
        var directoryInsertions: [Int] = []
        var directoryDeletions: [Int] = []
        var directoryLastCommit: [Int32] = []
        var directoryAuthors: [[Int32: Int32]] = []
        func growDirectories() {
            while directoryCommits.count < directoryPaths.count {
                directoryCommits.append(0)
                directoryInsertions.append(0)
                directoryDeletions.append(0)
                directoryLastCommit.append(-1)
                directoryAuthors.append([:])
            }
        }

        // Authors, by lower-cased email (or name when there is no email).
        var authorIDs: [String: Int32] = [:]
        // Most commits repeat an email exactly; looking that up first saves lower-casing it every time.
        var authorsByRawEmail: [String: Int32] = [:]
        var authorStats: [RepositoryReport.AuthorStatistics] = []
        var repositoryAuthors: [Int32: Int32] = [:]

        struct Month {
            var key: Int
            var commits = 0
            var insertions = 0
            var deletions = 0
            var authors: Set<Int32> = []
        }
        var months: [Month] = []
        var monthIndex: [Int: Int] = [:]

        var totals = RepositoryReport.Totals(
            commits: records.count, mergeCommits: 0, insertions: 0, deletions: 0, binaryChanges: 0, authors: 0,
            filesChanged: 0)
        var pairs: [UInt64: Int32] = [:]
        var added: [RepositoryReport.FileEvent] = []
        var deleted: [RepositoryReport.FileEvent] = []
        var renamed: [RepositoryReport.FileEvent] = []
        var documentation = DocumentationDrift()
        var documentationOpen = true
        let halfLife = Self.halfLifeDays * 86_400
        var touched: [Int32] = []

        for (index, record) in records.enumerated() {
            let author: Int32
            if let id = authorsByRawEmail[record.authorEmail] {
                author = id
            } else if let id = authorIDs[Self.authorKey(record)] {
                author = id
                authorsByRawEmail[record.authorEmail] = id
            } else {
                let authorKey = Self.authorKey(record)
                author = Int32(authorStats.count)
                authorIDs[authorKey] = author
                if !record.authorEmail.isEmpty { authorsByRawEmail[record.authorEmail] = author }
                let date = Date(timeIntervalSince1970: TimeInterval(record.authorTime))
                authorStats.append(
                    RepositoryReport.AuthorStatistics(
                        name: record.authorName, email: record.authorEmail, commits: 0, insertions: 0, deletions: 0,
                        firstCommitDate: date, lastCommitDate: date))
            }
            let authorDate = Date(timeIntervalSince1970: TimeInterval(record.authorTime))
            authorStats[Int(author)].commits += 1
            authorStats[Int(author)].firstCommitDate = min(authorStats[Int(author)].firstCommitDate, authorDate)
            authorStats[Int(author)].lastCommitDate = max(authorStats[Int(author)].lastCommitDate, authorDate)
            repositoryAuthors[author, default: 0] += 1
            if record.isMerge { totals.mergeCommits += 1 }

            let monthKey = Self.month(of: record.authorTime)
            let month: Int
            if let known = monthIndex[monthKey] {
                month = known
            } else {
                month = months.count
                monthIndex[monthKey] = month
                months.append(Month(key: monthKey))
            }
            months[month].commits += 1
            months[month].authors.insert(author)

            var commitInsertions = 0
            var commitDeletions = 0
            for change in record.changes {
                if change.isBinary {
                    totals.binaryChanges += 1
                } else {
                    commitInsertions += change.insertions
                    commitDeletions += change.deletions
                }
            }
            totals.insertions += commitInsertions
            totals.deletions += commitDeletions
            authorStats[Int(author)].insertions += commitInsertions
            authorStats[Int(author)].deletions += commitDeletions
            months[month].insertions += commitInsertions
            months[month].deletions += commitDeletions

            // A shallow clone's oldest commits show the whole tree as added; that says nothing about files.
            let isBoundary = shallowBoundaries.contains(record.hash)
            let recent = record.commitTime >= recentStart
            let weight = referenceTime.map { exp2(-Double($0 - record.commitTime) / halfLife) } ?? 0
            touched.removeAll(keepingCapacity: true)
            var touchesDocumentation = false
            var touchesCode = false
            var codeInsertions = 0
            var codeDeletions = 0
            var documentationPaths: [String] = []
            for change in record.changes {
                let id = intern(change.path)
                grow()
                if !changed[Int(id)] {
                    changed[Int(id)] = true
                    totals.filesChanged += 1
                }
                guard !isBoundary else { continue }
                let file = canonical[Int(id)]
                func event() -> RepositoryReport.FileEvent {
                    RepositoryReport.FileEvent(
                        path: change.path, previousPath: change.previousPath, commit: Self.reference(record),
                        author: record.authorName)
                }
                switch change.status {
                case .renamed:
                    if let previous = change.previousPath {
                        // Older commits knew the file by its previous name; what was at the new name before
                        // the rename was another file.
                        let previousID = intern(previous)
                        canonical[Int(previousID)] = file
                        canonical[Int(id)] = newID(change.path)
                        grow()
                        if recent, renamed.count < 100 { renamed.append(event()) }
                    }
                case .added, .copied:
                    if fileAdded[Int(file)] == nil { fileAdded[Int(file)] = index }
                    canonical[Int(id)] = newID(change.path)
                    grow()
                    if recent, added.count < 100 { added.append(event()) }
                case .deleted:
                    if recent, deleted.count < 100 { deleted.append(event()) }
                default:
                    break
                }
                guard !ignored[Int(file)] else { continue }
                if documentationFlags[Int(file)] {
                    touchesDocumentation = true
                    if documentationOpen { documentationPaths.append(change.path) }
                } else if !generated[Int(file)] {
                    touchesCode = true
                    codeInsertions += max(change.insertions, 0)
                    codeDeletions += max(change.deletions, 0)
                }
                fileInsertions[Int(file)] += max(change.insertions, 0)
                fileDeletions[Int(file)] += max(change.deletions, 0)
                if fileLastCommit[Int(file)] != Int32(index) {
                    fileLastCommit[Int(file)] = Int32(index)
                    fileCommits[Int(file)] += 1
                    if recent { fileRecent[Int(file)] += 1 }
                    fileScore[Int(file)] += weight
                    if fileNewest[Int(file)].count < 5 { fileNewest[Int(file)].append(index) }
                    fileAuthors[Int(file)][author, default: 0] += 1
                    touched.append(file)
                }
                growDirectories()
                for directory in ancestors[Int(file)] {
                    directoryInsertions[Int(directory)] += max(change.insertions, 0)
                    directoryDeletions[Int(directory)] += max(change.deletions, 0)
                    if directoryLastCommit[Int(directory)] != Int32(index) {
                        directoryLastCommit[Int(directory)] = Int32(index)
                        directoryCommits[Int(directory)] += 1
                        directoryAuthors[Int(directory)][author, default: 0] += 1
                    }
                }
            }
            if documentationOpen {
                if touchesDocumentation {
                    documentationOpen = false
                    documentation.lastDocumentationCommit = index
                    documentation.documentationPaths = documentationPaths
                } else if touchesCode {
                    documentation.commits.append(index)
                    documentation.insertions += codeInsertions
                    documentation.deletions += codeDeletions
                }
            }
            if !record.isMerge, touched.count >= 2, touched.count <= Self.maxCouplingCommitSize {
                let live = touched.filter { $0 < trackedCount && !generated[Int($0)] }.sorted()
                for (position, first) in live.enumerated() {
                    for second in live[(position + 1)...] {
                        pairs[UInt64(UInt32(first)) << 32 | UInt64(UInt32(second)), default: 0] += 1
                    }
                }
            }
        }

        totals.authors = authorStats.count
        self.totals = totals
        self.authors = authorStats.sorted { ($0.commits, $1.email) > ($1.commits, $0.email) }
        self.activity = months.sorted { $0.key < $1.key }.map { month in
            RepositoryReport.MonthlyActivity(
                month: String(format: "%04d-%02d", month.key / 100, month.key % 100), commits: month.commits,
                insertions: month.insertions, deletions: month.deletions, authors: month.authors.count)
        }

        var files: [String: FileHistory] = [:]
        for id in 0..<Int(trackedCount) where fileCommits[id] > 0 && !ignored[id] {
            files[paths[id]] = FileHistory(
                path: paths[id], commits: Int(fileCommits[id]), recentCommits: Int(fileRecent[id]),
                insertions: fileInsertions[id], deletions: fileDeletions[id], authors: fileAuthors[id].count,
                score: fileScore[id], newestCommits: fileNewest[id], addedCommit: fileAdded[id])
        }
        self.files = files

        // Distinct files per directory, counted over every file with history (deleted ones too).
        var directoryFiles = [Int](repeating: 0, count: directoryPaths.count)
        for id in 0..<min(paths.count, fileCommits.count) where fileCommits[id] > 0 {
            for directory in ancestors[id] { directoryFiles[Int(directory)] += 1 }
        }
        growDirectories()
        self.directories = directoryPaths.indices.filter { directoryCommits[$0] > 0 }
            .map { id in
                RepositoryReport.DirectoryChurn(
                    path: directoryPaths[id], commits: Int(directoryCommits[id]), insertions: directoryInsertions[id],
                    deletions: directoryDeletions[id], files: directoryFiles[id])
            }
            .sorted { ($0.commits, $1.path) > ($1.commits, $0.path) }

        func ownership(path: String, commits: Int, authors: [Int32: Int32]) -> RepositoryReport.Ownership {
            let ranked = authors.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
            var covered = 0
            var busFactor = 0
            for (_, count) in ranked where covered * 2 <= commits {
                covered += Int(count)
                busFactor += 1
            }
            let top = ranked.prefix(5).map { id, count in
                RepositoryReport.AuthorShare(
                    name: authorStats[Int(id)].name, email: authorStats[Int(id)].email, commits: Int(count),
                    share: commits == 0 ? 0 : Double(count) / Double(commits))
            }
            return RepositoryReport.Ownership(
                path: path, commits: commits, busFactor: busFactor, topAuthors: top, authorCount: authors.count)
        }
        var owned = [ownership(path: ".", commits: records.count, authors: repositoryAuthors)]
        for id in directoryPaths.indices where directoryCommits[id] > 0 {
            let depth = directoryPaths[id].split(separator: "/").count
            guard depth <= 2 else { continue }
            owned.append(
                ownership(path: directoryPaths[id], commits: Int(directoryCommits[id]), authors: directoryAuthors[id]))
        }
        self.ownership = owned.sorted { ($0.commits, $1.path) > ($1.commits, $0.path) }

        self.couplings = pairs.compactMap { key, shared -> RepositoryReport.CouplingPair? in
            guard shared >= Self.minCouplingCommits else { return nil }
            let first = Int(key >> 32)
            let second = Int(key & 0xFFFF_FFFF)
            var (a, b) = (paths[first], paths[second])
            var (aCommits, bCommits) = (Int(fileCommits[first]), Int(fileCommits[second]))
            if b < a {
                swap(&a, &b)
                swap(&aCommits, &bCommits)
            }
            return RepositoryReport.CouplingPair(
                first: a, second: b, sharedCommits: Int(shared), firstCommits: aCommits, secondCommits: bCommits,
                degree: Double(shared) * 2 / Double(aCommits + bCommits))
        }
        .sorted { ($0.sharedCommits, $1.first, $1.second) > ($1.sharedCommits, $0.first, $0.second) }

        self.added = added
        self.deleted = deleted
        self.renamed = renamed
        self.documentation = documentation
    }

    /// The UTC calendar month of a time, as `year * 100 + month`, by the proleptic Gregorian calendar.
    ///
    /// Plain arithmetic (Howard Hinnant's `civil_from_days`): `Calendar` would cost more than the rest of the
    /// pass on long histories.
    static func month(of time: Int64) -> Int {
        let days = Int((time >= 0 ? time : time - 86_399) / 86_400) + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return year * 100 + month
    }

    /// Authors are told apart by email, ignoring case; by name when there is no email.
    private static func authorKey(_ record: CommitRecord) -> String {
        record.authorEmail.isEmpty ? "name:" + record.authorName : record.authorEmail.lowercased()
    }

    private static func reference(_ record: CommitRecord) -> CommitReference {
        CommitReference(
            hash: record.hash, subject: record.subject,
            date: Date(timeIntervalSince1970: TimeInterval(record.authorTime)))
    }
}
