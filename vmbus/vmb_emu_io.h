/*
 * I/O of the emulated VMBus (vmbus-emu.md §1-3) shared by the guest transport and the host:
 * resolving the socket path, moving one control message and its descriptors through the
 * AF_UNIX seqpacket socket, and checking a memfd received from the peer before mapping it.
 * Stateless helpers: neither side's state crosses through here, only bytes and descriptors.
 *
 * Errors: negative errno, as each function says.
 */
#ifndef HVD_VMBUS_EMU_IO_H
#define HVD_VMBUS_EMU_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmb_ctl_proto.h"

/* Descriptors one receive can take; more than any message carries, so a peer sending too many
 * is told "wrong number of descriptors" rather than losing some silently. */
#define VMB_EMU_MAX_RX_FDS 8u

/*
 * The socket path, first that is set (§1): option, $HVDISPLAY_VMBUS,
 * $XDG_RUNTIME_DIR/hvdisplay/vmbus.sock, /tmp/hvdisplay-<uid>/vmbus.sock. option and the
 * variables count as unset when NULL or empty. 0, or -ENAMETOOLONG if the result does not fit
 * buf or a sockaddr_un.
 */
int vmb_emu_socket_path(const char *option, char *buf, size_t cap);

/*
 * Encodes msg and sends it as one seqpacket with fds attached (SCM_RIGHTS; fds may be NULL when
 * nfds is 0). Never blocks and never raises SIGPIPE: 0, -EAGAIN the peer's queue is full,
 * -EPIPE or -ECONNRESET the peer left, -EINVAL msg cannot be encoded.
 */
int vmb_emu_send(int sock, const struct vmb_ctl_msg *msg, const int *fds, size_t nfds);

/*
 * Sends buf (len bytes, any content: tests use it to play a broken peer) as one seqpacket with
 * fds attached, like vmb_emu_send(); -EINVAL for more than VMB_EMU_MAX_RX_FDS descriptors.
 */
int vmb_emu_send_bytes(int sock, const void *buf, size_t len, const int *fds, size_t nfds);

/*
 * Receives one seqpacket without blocking. Returns its real length (larger than cap means it
 * was truncated), 0 when the peer closed (a zero-length packet counts as closing), -EAGAIN
 * when nothing waits, -EPROTO when its descriptors did not all fit or it carried ancillary data
 * other than SCM_RIGHTS (every descriptor that arrived is closed), or another -errno. On a
 * positive return fds[0..*nfds) are the descriptors received, close-on-exec, owned by the
 * caller; fds must have room for VMB_EMU_MAX_RX_FDS.
 */
ssize_t vmb_emu_recv(int sock, uint8_t *buf, size_t cap, int *fds, size_t *nfds);

/* Closes fds[0..n) and sets each to -1. */
void vmb_emu_close_fds(int *fds, size_t n);

/*
 * Checks a memfd the peer sent (§3): a regular file of exactly size bytes (-EINVAL otherwise)
 * carrying F_SEAL_SHRINK (-EPERM otherwise), so a mapping of it can never fault.
 */
int vmb_emu_memfd_check(int fd, uint64_t size);

/* True when fd is an eventfd (Linux has no fstat type for it; /proc names it). */
bool vmb_emu_is_eventfd(int fd);

#endif
