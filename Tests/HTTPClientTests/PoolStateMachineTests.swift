import Testing
@testable import HTTPClient

@Suite struct PoolStateMachineTests {
    @Test func opensUpToTheCapThenQueues() {
        var pool = PoolStateMachine(capacity: 2)
        #expect(pool.acquire(1) == .open)
        #expect(pool.acquire(2) == .open)
        #expect(pool.acquire(3) == .wait)
        #expect(pool.acquire(4) == .wait)
        #expect(pool.openCount == 2)
        #expect(pool.waiting == [3, 4])
    }

    @Test func reusableConnectionGoesToTheFirstWaiterElseIdle() {
        var pool = PoolStateMachine(capacity: 1)
        #expect(pool.acquire(1) == .open)
        #expect(pool.acquire(2) == .wait)
        #expect(pool.release(10, reusable: true) == .handOver(2))
        #expect(pool.release(10, reusable: true) == .keepIdle)
        #expect(pool.idle == [10])
        #expect(pool.acquire(3) == .reuse(10))
        #expect(pool.openCount == 1)
    }

    @Test func mostRecentlyUsedIdleConnectionIsReusedFirst() {
        var pool = PoolStateMachine(capacity: 3)
        for request in 1...3 { #expect(pool.acquire(request) == .open) }
        _ = pool.release(10, reusable: true)
        _ = pool.release(11, reusable: true)
        #expect(pool.acquire(4) == .reuse(11))
        #expect(pool.acquire(5) == .reuse(10))
    }

    @Test func closedConnectionMakesRoomForAWaiter() {
        var pool = PoolStateMachine(capacity: 1)
        #expect(pool.acquire(1) == .open)
        #expect(pool.acquire(2) == .wait)
        #expect(pool.release(10, reusable: false) == .openFor(2))
        #expect(pool.openCount == 1)
        #expect(pool.release(11, reusable: false) == .nothing)
        #expect(pool.openCount == 0)
    }

    @Test func idleConnectionClosingFreesItsSlot() {
        var pool = PoolStateMachine(capacity: 1)
        #expect(pool.acquire(1) == .open)
        #expect(pool.release(10, reusable: true) == .keepIdle)
        #expect(pool.idleClosed(10) == .nothing)
        #expect(pool.idleClosed(10) == nil)
        #expect(pool.openCount == 0)
        #expect(pool.acquire(2) == .open)
    }

    @Test func drainingIdleConnectionsWakesWaitersAsSlotsFree() {
        var pool = PoolStateMachine(capacity: 2)
        #expect(pool.acquire(1) == .open)
        #expect(pool.acquire(2) == .open)
        _ = pool.release(10, reusable: true)
        #expect(pool.drainIdle() == [10])
        #expect(pool.idle.isEmpty)
        #expect(pool.acquire(3) == .wait)
        #expect(pool.drainedClosed() == .openFor(3))
        #expect(pool.openCount == 2)
    }

    @Test func cancelledWaiterIsForgotten() {
        var pool = PoolStateMachine(capacity: 1)
        #expect(pool.acquire(1) == .open)
        #expect(pool.acquire(2) == .wait)
        #expect(pool.acquire(3) == .wait)
        let first = pool.cancelWaiting(2)
        let second = pool.cancelWaiting(2)
        #expect(first && !second)
        #expect(pool.release(10, reusable: true) == .handOver(3))
    }
}
