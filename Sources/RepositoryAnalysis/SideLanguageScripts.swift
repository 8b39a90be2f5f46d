/// Scripts of a side language among the main language's files: a few files of another language in a folder that
/// holds files of the language with the most files (oniguruma's `src/make_unicode_property_data.py`, which writes
/// the C tables beside it). They are tooling: the project's tests cannot test them, and their fixes ask for no
/// regression test. Bindings in a folder of their own (`bindings/python/`) are a product of their own.
struct SideLanguageScripts {
    /// A side language has fewer files than this, or than a tenth of the main language's.
    static let minimumLimit = 5

    private let main: String?
    private let files: [String: Int]
    private let limit: Int
    private let mainFolders: Set<Substring>

    /// Reads the languages from the report's statistics (prose left out) and the folders from the tracked paths.
    init(languages: [RepositoryReport.LanguageStatistics], paths: some Sequence<String>) {
        let code = languages.filter { !FileKinds.proseLanguages.contains($0.language) }
        files = Dictionary(code.map { ($0.language, $0.files) }, uniquingKeysWith: +)
        let main = code.max { ($0.files, $1.language) < ($1.files, $0.language) }
        self.main = main?.language
        limit = max(Self.minimumLimit, (main?.files ?? 0) / 10 + 1)
        mainFolders =
            main.map { main in
                Set(paths.filter { FileKinds.language(of: $0) == main.language }.map { FileKinds.directory(of: $0) })
            } ?? []
    }

    /// Whether `path` is such a script.
    func contains(_ path: String) -> Bool {
        let language = FileKinds.language(of: path)
        guard let main, language != main, let count = files[language], count < limit else { return false }
        return mainFolders.contains(FileKinds.directory(of: path))
    }
}
