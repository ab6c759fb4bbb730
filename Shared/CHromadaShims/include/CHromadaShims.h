#pragma once
#include <stddef.h>
#include <amqp.h>
#include <curl/curl.h>

/// amqp_login is C-variadic; Swift cannot call it. PLAIN login with explicit arguments.
amqp_rpc_reply_t hromada_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                          int channel_max, int frame_max, int heartbeat,
                                          const char *user, const char *password);

/// The same, also telling the broker the connection's name (client property `connection_name`,
/// shown by the management UI and `rabbitmqctl list_connections`). amqp_login_with_properties
/// is C-variadic too.
amqp_rpc_reply_t hromada_amqp_login_plain_named(amqp_connection_state_t state, const char *vhost,
                                                int channel_max, int frame_max, int heartbeat,
                                                const char *user, const char *password,
                                                const char *connection_name);

/// curl_easy_setopt is C-variadic; one typed wrapper per argument kind.
CURLcode hromada_curl_setopt_long(CURL *curl, CURLoption option, long value);
CURLcode hromada_curl_setopt_string(CURL *curl, CURLoption option, const char *value);
CURLcode hromada_curl_setopt_pointer(CURL *curl, CURLoption option, void *value);
CURLcode hromada_curl_setopt_read_function(CURL *curl,
    size_t (*callback)(char *buffer, size_t size, size_t nitems, void *userdata));
CURLcode hromada_curl_getinfo_long(CURL *curl, CURLINFO info, long *value);

/// mallopt(M_ARENA_MAX, arenas) where the C library is glibc (malloc.h is not in Swift's Glibc
/// module); returns 1 on success, 0 on failure or elsewhere.
int hromada_limit_malloc_arenas(int arenas);
