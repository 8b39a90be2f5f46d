import RepositoryAnalysis

extension ResolvedConfiguration {
    /// A digest of every key's effective value, with secrets masked first: runs made with the same settings share
    /// it, and no credential can be recovered from it, since none goes into it.
    public var digest: String {
        Fingerprint.of(ConfigurationDocument.rows(of: self).map { "\($0.key)=\($0.value)" })
    }
}
