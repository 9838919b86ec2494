/*
 * The part of @cnikit/netlink that JavaScript cannot do: netlink sockets (optionally opened inside
 * another network namespace), readiness polling on the event loop, and named namespaces the way
 * `ip netns add/del` makes them. Every message is built and parsed in TypeScript.
 *
 * Node-API only (plus libuv's uv_poll, which Node exports to addons through napi_get_uv_event_loop).
 */
#define _GNU_SOURCE
#include <node_api.h>

#ifdef __linux__

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#define CHECK(env, call)                                                                         \
  do {                                                                                           \
    if ((call) != napi_ok) {                                                                     \
      napi_throw_error((env), "ENAPI", "Node-API call failed: " #call);                          \
      return NULL;                                                                               \
    }                                                                                            \
  } while (0)

static const char *errno_name(int e) {
  switch (e) {
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case EINTR: return "EINTR";
  case EBADF: return "EBADF";
  case EAGAIN: return "EAGAIN";
  case ENOMEM: return "ENOMEM";
  case EACCES: return "EACCES";
  case EFAULT: return "EFAULT";
  case EBUSY: return "EBUSY";
  case EEXIST: return "EEXIST";
  case ENOTDIR: return "ENOTDIR";
  case EINVAL: return "EINVAL";
  case EMFILE: return "EMFILE";
  case ENFILE: return "ENFILE";
  case ENOBUFS: return "ENOBUFS";
  case ENOTSOCK: return "ENOTSOCK";
  case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
  case EAFNOSUPPORT: return "EAFNOSUPPORT";
  case EOPNOTSUPP: return "EOPNOTSUPP";
  case ECONNREFUSED: return "ECONNREFUSED";
  case EMSGSIZE: return "EMSGSIZE";
  case ENOPROTOOPT: return "ENOPROTOOPT";
  case ESRCH: return "ESRCH";
  case ENOSPC: return "ENOSPC";
  default: return "EUNKNOWN";
  }
}

/* Throws an Error with code (errno name), errno (number) and syscall, like Node's own. */
static napi_value throw_errno(napi_env env, int e, const char *syscall, const char *path) {
  char msg[512];
  if (path)
    snprintf(msg, sizeof msg, "%s %s: %s (%s)", syscall, path, strerror(e), errno_name(e));
  else
    snprintf(msg, sizeof msg, "%s: %s (%s)", syscall, strerror(e), errno_name(e));
  napi_value message, code, err, num, sys;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message) != napi_ok ||
      napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code) != napi_ok ||
      napi_create_error(env, code, message, &err) != napi_ok) {
    napi_throw_error(env, NULL, msg);
    return NULL;
  }
  napi_create_int32(env, e, &num);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, err, "errno", num);
  napi_set_named_property(env, err, "syscall", sys);
  if (path) {
    napi_value p;
    napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &p);
    napi_set_named_property(env, err, "path", p);
  }
  napi_throw(env, err);
  return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "too few arguments");
    return 0;
  }
  return 1;
}

static int get_i32(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number");
    return 0;
  }
  return 1;
}

static int get_u32(napi_env env, napi_value v, uint32_t *out) {
  if (napi_get_value_uint32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number");
    return 0;
  }
  return 1;
}

/* A path argument into buf; returns 0 (with a pending exception) when it is no string or too long. */
static int get_path(napi_env env, napi_value v, char *buf, size_t size) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a path string");
    return 0;
  }
  if (len >= size - 1) {
    napi_throw_range_error(env, NULL, "path too long");
    return 0;
  }
  return 1;
}

static int get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  bool is_typed = false;
  napi_is_typedarray(env, v, &is_typed);
  if (!is_typed) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return 0;
  }
  napi_typedarray_type type;
  void *ptr;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, &ab, &off) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return 0;
  }
  *data = ptr;
  return 1;
}

static int open_own_netns(void) { return open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC); }

/* Returning to the namespace we came from cannot fail for a namespace we could open; if it does,
 * this thread (the JS thread) would keep working in the wrong namespace, so stop the process. */
static void restore_netns(int own) {
  if (setns(own, CLONE_NEWNET) != 0) {
    fprintf(stderr, "@cnikit/netlink: cannot return to the original network namespace: %s\n", strerror(errno));
    abort();
  }
}

/*
 * open(protocol, netns): netns is undefined/null (this namespace), a path, or an fd. The socket is
 * created non-blocking and close-on-exec; in another namespace the thread switches with setns,
 * creates it and switches back before returning (the socket stays in the namespace it was made in).
 */
static napi_value nl_open(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int32_t protocol;
  if (!get_i32(env, argv[0], &protocol)) return NULL;
  napi_valuetype t;
  CHECK(env, napi_typeof(env, argv[1], &t));
  int target = -1, own = -1, close_target = 0;
  char path[4096];
  if (t == napi_string) {
    if (!get_path(env, argv[1], path, sizeof path)) return NULL;
    target = open(path, O_RDONLY | O_CLOEXEC);
    if (target < 0) return throw_errno(env, errno, "open", path);
    close_target = 1;
  } else if (t == napi_number) {
    if (!get_i32(env, argv[1], &target)) return NULL;
  } else if (t != napi_undefined && t != napi_null) {
    napi_throw_type_error(env, NULL, "netns must be a path, an fd or undefined");
    return NULL;
  }
  if (target >= 0) {
    own = open_own_netns();
    if (own < 0) {
      int e = errno;
      if (close_target) close(target);
      return throw_errno(env, e, "open", "/proc/thread-self/ns/net");
    }
    if (setns(target, CLONE_NEWNET) != 0) {
      int e = errno;
      close(own);
      if (close_target) close(target);
      return throw_errno(env, e, "setns", t == napi_string ? path : NULL);
    }
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
  int e = errno;
  if (target >= 0) {
    restore_netns(own);
    close(own);
    if (close_target) close(target);
  }
  if (fd < 0) return throw_errno(env, e, "socket", NULL);
  napi_value out;
  CHECK(env, napi_create_int32(env, fd, &out));
  return out;
}

/* bind(fd, groups) -> the port id the kernel gave the socket. */
static napi_value nl_bind(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int32_t fd;
  uint32_t groups;
  if (!get_i32(env, argv[0], &fd) || !get_u32(env, argv[1], &groups)) return NULL;
  struct sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = groups;
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) return throw_errno(env, errno, "bind", NULL);
  socklen_t len = sizeof sa;
  if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0) return throw_errno(env, errno, "getsockname", NULL);
  napi_value out;
  CHECK(env, napi_create_uint32(env, sa.nl_pid, &out));
  return out;
}

/* setsockopt(fd, level, name, int value) */
static napi_value nl_setsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return NULL;
  int32_t fd, level, name, value;
  if (!get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &level) || !get_i32(env, argv[2], &name) ||
      !get_i32(env, argv[3], &value))
    return NULL;
  if (setsockopt(fd, level, name, &value, sizeof value) != 0) return throw_errno(env, errno, "setsockopt", NULL);
  return NULL;
}

/* setsockoptBytes(fd, level, name, Uint8Array value): options whose value is a struct (TCP_MD5SIG) */
static napi_value nl_setsockopt_bytes(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return NULL;
  int32_t fd, level, name;
  uint8_t *data;
  size_t len;
  if (!get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &level) || !get_i32(env, argv[2], &name) ||
      !get_bytes(env, argv[3], &data, &len))
    return NULL;
  if (setsockopt(fd, level, name, data, (socklen_t)len) != 0) return throw_errno(env, errno, "setsockopt", NULL);
  return NULL;
}

/* getsockopt(fd, level, name) -> int value */
static napi_value nl_getsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  int32_t fd, level, name;
  if (!get_i32(env, argv[0], &fd) || !get_i32(env, argv[1], &level) || !get_i32(env, argv[2], &name)) return NULL;
  int value = 0;
  socklen_t len = sizeof value;
  if (getsockopt(fd, level, name, &value, &len) != 0) return throw_errno(env, errno, "getsockopt", NULL);
  napi_value out;
  CHECK(env, napi_create_int32(env, value, &out));
  return out;
}

/* send(fd, bytes) -> bytes sent, to the kernel (port 0). */
static napi_value nl_send(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int32_t fd;
  uint8_t *data;
  size_t len;
  if (!get_i32(env, argv[0], &fd) || !get_bytes(env, argv[1], &data, &len)) return NULL;
  struct sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;
  ssize_t n;
  do n = sendto(fd, data, len, 0, (struct sockaddr *)&sa, sizeof sa);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, errno, "sendto", NULL);
  napi_value out;
  CHECK(env, napi_create_int64(env, n, &out));
  return out;
}

/*
 * recv(fd, buffer) -> the datagram's length (more than buffer.length when it was cut short: the
 * caller treats that as an error), or -1 when nothing is waiting. ENOBUFS (the kernel dropped
 * messages for this socket) is thrown like any other error.
 */
static napi_value nl_recv(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int32_t fd;
  uint8_t *data;
  size_t len;
  if (!get_i32(env, argv[0], &fd) || !get_bytes(env, argv[1], &data, &len)) return NULL;
  struct sockaddr_nl sa;
  struct iovec iov = {data, len};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = &sa;
  msg.msg_namelen = sizeof sa;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t n;
  do n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) n = -1;
    else return throw_errno(env, errno, "recvmsg", NULL);
  }
  napi_value out;
  CHECK(env, napi_create_int64(env, n, &out));
  return out;
}

static napi_value nl_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  int32_t fd;
  if (!get_i32(env, argv[0], &fd)) return NULL;
  if (close(fd) != 0) return throw_errno(env, errno, "close", NULL);
  return NULL;
}

/* ---- readiness polling ---- */

typedef struct {
  uv_poll_t handle;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int active;    /* polling; uv_close not yet called */
  int closed;    /* uv_close finished: the handle is gone */
  int finalized; /* the JS external was collected: nothing refers to p any more */
} poller_t;

/* p is freed once both the uv handle is closed and the JS external is finalized, whichever is last. */
static void poller_closed(uv_handle_t *h) {
  poller_t *p = h->data;
  p->closed = 1;
  napi_delete_reference(p->env, p->callback);
  napi_async_destroy(p->env, p->context);
  if (p->finalized) free(p);
}

static void poller_stop(poller_t *p) {
  if (!p->active) return;
  p->active = 0;
  uv_poll_stop(&p->handle);
  uv_close((uv_handle_t *)&p->handle, poller_closed);
}

static void poller_ready(uv_poll_t *h, int status, int events) {
  (void)events;
  poller_t *p = h->data;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) {
    poller_stop(p);
    return;
  }
  napi_value cb, global, arg, result;
  napi_status s = napi_get_reference_value(env, p->callback, &cb);
  if (s == napi_ok) s = napi_get_global(env, &global);
  if (s == napi_ok) s = napi_create_int32(env, status, &arg);
  /* make_callback runs the microtask queue afterwards, as for any I/O callback; it needs an
   * object receiver. If the callback throws, polling stops (a level-triggered poll would
   * otherwise call it again at once, forever) and the exception goes to uncaughtException. */
  if (s == napi_ok) s = napi_make_callback(env, p->context, global, cb, 1, &arg, &result);
  if (s != napi_ok) {
    poller_stop(p);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void poller_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  poller_t *p = data;
  p->finalized = 1;
  if (p->active) poller_stop(p); /* collected without stop(): freed in the close callback */
  else if (p->closed) free(p);
}

/* pollStart(fd, callback(status)) -> handle; callback runs while the socket is readable. */
static napi_value nl_poll_start(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int32_t fd;
  if (!get_i32(env, argv[0], &fd)) return NULL;
  napi_valuetype t;
  CHECK(env, napi_typeof(env, argv[1], &t));
  if (t != napi_function) {
    napi_throw_type_error(env, NULL, "expected a callback");
    return NULL;
  }
  struct uv_loop_s *loop;
  CHECK(env, napi_get_uv_event_loop(env, &loop));
  poller_t *p = calloc(1, sizeof *p);
  if (!p) return throw_errno(env, ENOMEM, "calloc", NULL);
  p->env = env;
  int r = uv_poll_init(loop, &p->handle, fd);
  if (r != 0) {
    free(p); /* never initialised: nothing else refers to it */
    napi_throw_error(env, "EPOLL", uv_strerror(r));
    return NULL;
  }
  p->handle.data = p;
  napi_value name;
  napi_create_string_utf8(env, "cnikit:netlink", NAPI_AUTO_LENGTH, &name);
  napi_create_reference(env, argv[1], 1, &p->callback);
  napi_async_init(env, NULL, name, &p->context);
  p->active = 1;
  r = uv_poll_start(&p->handle, UV_READABLE, poller_ready);
  if (r != 0) {
    p->finalized = 1; /* no external will be made: the close callback frees p */
    poller_stop(p);
    napi_throw_error(env, "EPOLL", uv_strerror(r));
    return NULL;
  }
  napi_value out;
  CHECK(env, napi_create_external(env, p, poller_finalize, NULL, &out));
  return out;
}

static napi_value nl_poll_stop(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  void *p;
  CHECK(env, napi_get_value_external(env, argv[0], &p));
  poller_stop(p);
  return NULL;
}

/* Keeps the event loop alive while polling (ref) or lets the process exit (unref). */
static napi_value nl_poll_ref(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  void *data;
  bool ref;
  CHECK(env, napi_get_value_external(env, argv[0], &data));
  CHECK(env, napi_get_value_bool(env, argv[1], &ref));
  poller_t *p = data;
  if (p->active) {
    if (ref) uv_ref((uv_handle_t *)&p->handle);
    else uv_unref((uv_handle_t *)&p->handle);
  }
  return NULL;
}

/* ---- named namespaces (what `ip netns add/del` does) ---- */

/* Makes dir a shared mount point, bind-mounting it on itself first if it is none. */
static int make_shared(const char *dir) {
  if (mount("", dir, "none", MS_SHARED | MS_REC, NULL) == 0) return 0;
  if (errno != EINVAL) return -1;
  if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) != 0) return -1;
  return mount("", dir, "none", MS_SHARED | MS_REC, NULL);
}

/* netnsCreate(dir, path): a new network namespace kept alive by a bind mount at path. */
static napi_value nl_netns_create(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char dir[4096], path[4096];
  if (!get_path(env, argv[0], dir, sizeof dir) || !get_path(env, argv[1], path, sizeof path)) return NULL;
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) return throw_errno(env, errno, "mkdir", dir);
  if (make_shared(dir) != 0) return throw_errno(env, errno, "mount", dir);
  int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "open", path);
  close(fd);
  int own = open_own_netns();
  if (own < 0) {
    int e = errno;
    unlink(path);
    return throw_errno(env, e, "open", "/proc/thread-self/ns/net");
  }
  if (unshare(CLONE_NEWNET) != 0) {
    int e = errno;
    close(own);
    unlink(path);
    return throw_errno(env, e, "unshare", NULL);
  }
  int r = mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL);
  int e = errno;
  restore_netns(own);
  close(own);
  if (r != 0) {
    unlink(path);
    return throw_errno(env, e, "mount", path);
  }
  return NULL;
}

/* netnsDelete(path): detach the bind mount (the namespace dies with its last user) and remove the file. */
static napi_value nl_netns_delete(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  char path[4096];
  if (!get_path(env, argv[0], path, sizeof path)) return NULL;
  if (umount2(path, MNT_DETACH) != 0) return throw_errno(env, errno, "umount2", path);
  if (unlink(path) != 0) return throw_errno(env, errno, "unlink", path);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, nl_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, nl_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setsockopt", NULL, nl_setsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getsockopt", NULL, nl_getsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setsockoptBytes", NULL, nl_setsockopt_bytes, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, nl_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recv", NULL, nl_recv, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, nl_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollStart", NULL, nl_poll_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollStop", NULL, nl_poll_stop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollRef", NULL, nl_poll_ref, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsCreate", NULL, nl_netns_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"netnsDelete", NULL, nl_netns_delete, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

#else /* not Linux: the module loads and says so; the TypeScript side throws a clear error */

static napi_value init(napi_env env, napi_value exports) {
  napi_value no;
  napi_get_boolean(env, false, &no);
  napi_set_named_property(env, exports, "supported", no);
  return exports;
}

#endif

NAPI_MODULE_INIT() { return init(env, exports); }
