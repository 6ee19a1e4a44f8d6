#define _GNU_SOURCE 1
#include "CLinux.h"
#include <pthread.h>

int cgw_accept4(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

void cgw_set_thread_name(const char *name) {
    char shortened[16];
    strncpy(shortened, name, sizeof(shortened) - 1);
    shortened[sizeof(shortened) - 1] = 0;  // the kernel's limit is 15 bytes
    pthread_setname_np(pthread_self(), shortened);
}

// Write end of the pipe each signal is routed to (-1: none).
static volatile sig_atomic_t signal_pipes[65] = {
    [0 ... 64] = -1,
};
static pthread_mutex_t signal_pipes_lock = PTHREAD_MUTEX_INITIALIZER;

static void signal_to_pipe(int signal_number) {
    int saved = errno;
    unsigned char byte = (unsigned char)signal_number;
    int fd = (signal_number >= 0 && signal_number < 65) ? signal_pipes[signal_number] : -1;
    // A full pipe only loses a repeated signal; the first one is queued.
    if (fd >= 0) {
        ssize_t ignored = write(fd, &byte, 1);
        (void)ignored;
    }
    errno = saved;
}

int cgw_watch_signals(const int *signals, int count) {
    int fds[2];
    for (int i = 0; i < count; i++) {
        if (signals[i] <= 0 || signals[i] >= 65) {
            errno = EINVAL;
            return -1;
        }
    }
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    // The reader blocks; only the signal-handler side must never block.
    int flags = fcntl(fds[0], F_GETFL);
    fcntl(fds[0], F_SETFL, flags & ~O_NONBLOCK);
    pthread_mutex_lock(&signal_pipes_lock);
    for (int i = 0; i < count; i++) {
        signal_pipes[signals[i]] = fds[1];
        struct sigaction action;
        memset(&action, 0, sizeof(action));
        action.sa_handler = signal_to_pipe;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        if (sigaction(signals[i], &action, NULL) != 0) {
            int saved = errno;
            pthread_mutex_unlock(&signal_pipes_lock);
            errno = saved;
            return -1;
        }
    }
    pthread_mutex_unlock(&signal_pipes_lock);
    return fds[0];
}

void cgw_unblock_signals(const int *signals, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) sigaddset(&set, signals[i]);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}
