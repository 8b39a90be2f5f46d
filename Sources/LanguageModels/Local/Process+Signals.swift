import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Process {
    /// Starts the process with no signals blocked.
    ///
    /// A child inherits the signal mask of the thread that spawns it, and the threads Swift concurrency runs on
    /// block nearly every signal. Inherited as is, that mask makes `llama-server` deaf to SIGTERM (so it could
    /// only be killed) and hangs cmake, which waits for SIGCHLD to learn that its helper processes exited.
    func runWithDefaultSignalMask() throws {
        var empty = sigset_t()
        var previous = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try run()
    }
}
