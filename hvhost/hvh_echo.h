/*
 * A loopback device for tests and benchmarks, offered only with `hvhost --echo-device`: not a
 * Hyper-V device, so no real guest ever binds it. It proves the device-model frame end to end
 * before the real models exist, and later lets tests drive rings, capture, rescind, reoffer and
 * pause through the monitor without a device protocol in the way.
 *
 * Behaviour: a plain (non-pipe) channel named "echo". Every in-band packet the guest sends is
 * counted in rx "PACKET" and its payload (as the ring held it, padded to 8 bytes) sent back as
 * one in-band packet with the same trans_id, counted in tx "PACKET". A packet without payload
 * is a reject ("empty packet"); completions are ignored. It is ready (the `device` wait) once
 * open.
 */
#ifndef HVD_HVHOST_ECHO_H
#define HVD_HVHOST_ECHO_H

#include "hvh_device.h"

/* Made-up GUIDs, outside every Hyper-V class. */
#define HVH_ECHO_INTERFACE "6c1b3c44-9cf8-4d65-9a8e-2f0d5b1e7a01"
#define HVH_ECHO_INSTANCE "6c1b3c44-9cf8-4d65-9a8e-2f0d5b1e7a02"
#define HVH_ECHO_MAX_PAYLOAD 4096

int hvh_echo_create(const struct hvh_env *env);

#endif
