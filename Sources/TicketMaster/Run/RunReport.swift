// The analysis report is part of the run service's API (`RunEnvironment.analyze` returns it, and the suggestions
// carry its signals), so front-ends name it through this module without importing the analysis module.
@_exported import struct RepositoryAnalysis.RepositoryReport
