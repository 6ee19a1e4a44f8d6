// Linux system interfaces that Glibc does not surface to Swift (epoll,
// eventfd, timerfd, signalfd, accept4) plus wrappers for the few macros
// Swift cannot import. Symbols are prefixed `cgw_`.
#ifndef CLINUX_H
#define CLINUX_H

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <string.h>
#include <unistd.h>

static inline int cgw_errno(void) { return errno; }
static inline void cgw_set_errno(int value) { errno = value; }

// Defined in shim.c, which is compiled with _GNU_SOURCE: defining it in
// this header would make its system types differ from Glibc's module.
int cgw_accept4(int fd, struct sockaddr *addr, socklen_t *len);
void cgw_set_thread_name(const char *name);

static inline int cgw_socket_nonblocking(int domain, int type) {
    return socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/// epoll_event is packed on x86_64 only; these accessors keep Swift away
/// from its layout.
static inline uint64_t cgw_epoll_event_data(const struct epoll_event *ev) { return ev->data.u64; }
static inline uint32_t cgw_epoll_event_events(const struct epoll_event *ev) { return ev->events; }
static inline int cgw_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &ev);
}
static inline size_t cgw_epoll_event_size(void) { return sizeof(struct epoll_event); }
/// Element `index` of an epoll_wait result array (packed layout stays in C).
static inline uint64_t cgw_epoll_event_data_at(const struct epoll_event *events, int index) {
    return events[index].data.u64;
}
static inline uint32_t cgw_epoll_event_events_at(const struct epoll_event *events, int index) {
    return events[index].events;
}

// Event bits, as plain constants (the glibc enum imports awkwardly).
static const uint32_t CGW_EPOLLIN = EPOLLIN;
static const uint32_t CGW_EPOLLOUT = EPOLLOUT;
static const uint32_t CGW_EPOLLERR = EPOLLERR;
static const uint32_t CGW_EPOLLHUP = EPOLLHUP;
static const uint32_t CGW_EPOLLRDHUP = EPOLLRDHUP;
static const uint32_t CGW_EPOLLET = EPOLLET;
static const uint32_t CGW_EPOLLEXCLUSIVE = EPOLLEXCLUSIVE;

static inline int cgw_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }
static inline int cgw_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

static inline int cgw_set_int_option(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof(value));
}

/// Routes each of `signals` to a new close-on-exec pipe (the handler only
/// calls write(2), which is async-signal-safe) and returns the pipe's read
/// end, or -1 with errno set. A later call for the same signal reroutes it.
int cgw_watch_signals(const int *signals, int count);
/// Unblocks `signals` in the calling thread, so a process-directed signal
/// reaches it even when the process started with them blocked.
void cgw_unblock_signals(const int *signals, int count);

#endif
