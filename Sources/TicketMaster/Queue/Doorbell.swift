import Foundation

/// Wakes the workers of this process waiting for jobs: rung when a job is added here or a database notification
/// arrives. A ring while nobody waits is kept for the next wait, so a job added between a worker's empty claim and
/// its wait is not left to the poll.
package actor Doorbell {
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    private var rung = false

    /// A doorbell nobody has rung.
    package init() {}

    /// Wakes every waiter.
    package func ring() {
        guard !waiters.isEmpty else {
            rung = true
            return
        }
        for waiter in waiters.values { waiter.resume() }
        waiters = [:]
    }

    /// Returns at the next ring, after `timeout`, or when the task is cancelled.
    package func wait(upTo timeout: Duration) async {
        if rung {
            rung = false
            return
        }
        let id = UUID()
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.wake(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume()
                } else {
                    waiters[id] = continuation
                }
            }
        } onCancel: {
            Task { await self.wake(id) }
        }
        timer.cancel()
    }

    private func wake(_ id: UUID) {
        waiters.removeValue(forKey: id)?.resume()
    }
}
