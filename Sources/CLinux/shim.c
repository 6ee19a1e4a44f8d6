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

static int termination_pipe[2] = {-1, -1};
static pthread_once_t termination_once = PTHREAD_ONCE_INIT;
static int termination_error = 0;

static void termination_handler(int signal_number) {
    int saved = errno;
    unsigned char byte = (unsigned char)signal_number;
    // A full pipe only loses a repeated signal; the first one is queued.
    ssize_t ignored = write(termination_pipe[1], &byte, 1);
    (void)ignored;
    errno = saved;
}

static void install_termination_handlers(void) {
    if (pipe2(termination_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        termination_error = errno;
        return;
    }
    // The reader blocks; only the signal-handler side must never block.
    int flags = fcntl(termination_pipe[0], F_GETFL);
    fcntl(termination_pipe[0], F_SETFL, flags & ~O_NONBLOCK);
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = termination_handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
}

int cgw_termination_pipe(void) {
    pthread_once(&termination_once, install_termination_handlers);
    if (termination_error != 0) {
        errno = termination_error;
        return -1;
    }
    return termination_pipe[0];
}
