// Linux system interfaces that Glibc does not surface to Swift (epoll,
// eventfd, timerfd, signalfd, accept4) plus wrappers for the few macros
// Swift cannot import. Symbols are prefixed `cgw_`.
#ifndef CLINUX_H
#define CLINUX_H

#define _GNU_SOURCE 1
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
#include <unistd.h>

static inline int cgw_errno(void) { return errno; }
static inline void cgw_set_errno(int value) { errno = value; }

static inline int cgw_accept4(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

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

#endif
