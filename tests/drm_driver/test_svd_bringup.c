/*
 * svd bring-up against a scripted host (synthvid.md §5, §0(b), §0(c)): which versions are asked
 * on which VMBus, fallbacks, clear failures, the host's resolutions, VRAM placement, and hosts
 * that answer wrongly: malformed, unsolicited and stale responses never satisfy a wait.
 */
#include <errno.h>
#include <string.h>

#include "macros.h"
#include "svd_fixture.h"
#include "test.h"

/* ms: where the guest must give up on a silent host; long enough for a loaded machine to answer
 * every request that is answered. */
#define SHORT_TIMEOUT 1000

static const struct svd_device_options short_wait = { .timeout_ms = SHORT_TIMEOUT };

/* The versions the guest asked, in order. */
static size_t asked_versions(struct fx *fx, uint32_t *out, size_t cap)
{
	struct sh_log log;
	sh_take(fx->sh, &log);
	size_t n = 0;
	const struct sh_record *r;
	while (n < cap && (r = sh_log_find(&log, SYNTHVID_VERSION_REQUEST, n)))
		out[n++] = r->msg.version_request.version;
	sh_log_free(&log);
	return n;
}

static void test_bringup_default_host(void)
{
	struct fx *fx = fx_start(NULL, NULL, 0);
	REQUIRE(fx->create_ret == 0);
	CHECK_EQ_INT(svd_device_version(fx->dev), SYNTHVID_VERSION_3_5);
	CHECK(svd_device_is_connected(fx->dev));
	CHECK_EQ_INT(svd_device_vram_size(fx->dev), 8u << 20);

	struct sh_log log;
	sh_take(fx->sh, &log);
	REQUIRE(log.n == 3);
	/* VERSION_REQUEST 3.5, pipe.size 12, vid.size 12 with the header (as Linux). */
	static const uint8_t version_request[] = { 1, 0, 0, 0, 12, 0, 0, 0, 1, 0, 0, 0, 12, 0, 0, 0,
		0x03, 0x00, 0x05, 0x00 };
	REQUIRE(log.recs[0].len == sizeof(version_request));
	CHECK_MEM(log.recs[0].bytes, version_request, sizeof(version_request));
	CHECK_EQ_INT(log.recs[1].msg.type, SYNTHVID_RESOLUTION_REQUEST);
	CHECK_EQ_INT(log.recs[1].msg.resolution_request.maximum_resolution_count, 64);
	CHECK_EQ_INT(log.recs[2].msg.type, SYNTHVID_VRAM_LOCATION);
	CHECK_EQ_INT(log.recs[2].msg.vram_location.is_vram_gpa_specified, 1);
	CHECK(log.recs[2].msg.vram_location.vram_gpa == sh_mmio_gpa(fx->sh));
	sh_log_free(&log);

	struct svd_connector *conn = svd_device_get_connector(fx->dev);
	CHECK_EQ_INT(svd_connector_mode_count(conn), 3);
	struct svd_mode m;
	REQUIRE(svd_connector_get_preferred_mode(conn, &m) == 0);
	CHECK_EQ_INT(m.width, 1920);
	CHECK_EQ_INT(m.height, 1080);
	const char *name = svd_connector_monitor_name(conn);
	CHECK(name && strcmp(name, "HyperVMonitor") == 0);
	CHECK_EQ_INT(svd_connector_mode_valid(conn, 1920, 1080), 0);
	CHECK_EQ_INT(svd_connector_mode_valid(conn, 1921, 1080), -ERANGE);
	CHECK_EQ_INT(svd_connector_mode_valid(conn, 0, 1080), -EINVAL);
	fx_stop(fx);
}

struct version_case {
	const char *name;
	uint32_t vmbus;
	enum sh_answer v3_5, v3_2;
	int expect_ret;
	uint32_t expect_version;
	uint32_t asked[3];
	size_t n_asked;
};

static const struct version_case version_cases[] = {
	{ "5.0, host takes both", VMB_VERSION_WIN10_V5, SH_ACCEPT, SH_ACCEPT, 0,
		SYNTHVID_VERSION_3_5, { SYNTHVID_VERSION_3_5 }, 1 },
	{ "5.0, host takes only 3.5", VMB_VERSION_WIN10_V5, SH_ACCEPT, SH_REJECT, 0,
		SYNTHVID_VERSION_3_5, { SYNTHVID_VERSION_3_5 }, 1 },
	{ "5.0, host takes only 3.2", VMB_VERSION_WIN10_V5, SH_REJECT, SH_ACCEPT, 0,
		SYNTHVID_VERSION_3_2, { SYNTHVID_VERSION_3_5, SYNTHVID_VERSION_3_2 }, 2 },
	{ "4.0, host takes only 3.2", VMB_VERSION_WIN10, SH_REJECT, SH_ACCEPT, 0,
		SYNTHVID_VERSION_3_2, { SYNTHVID_VERSION_3_5, SYNTHVID_VERSION_3_2 }, 2 },
	{ "4.0, 3.5 unanswered", VMB_VERSION_WIN10, SH_SILENT, SH_ACCEPT, 0, SYNTHVID_VERSION_3_2,
		{ SYNTHVID_VERSION_3_5, SYNTHVID_VERSION_3_2 }, 2 },
	{ "3.0 asks only 3.2", VMB_VERSION_WIN8_1, SH_ACCEPT, SH_ACCEPT, 0, SYNTHVID_VERSION_3_2,
		{ SYNTHVID_VERSION_3_2 }, 1 },
	{ "2.4 asks only 3.2", VMB_VERSION_WIN8, SH_ACCEPT, SH_ACCEPT, 0, SYNTHVID_VERSION_3_2,
		{ SYNTHVID_VERSION_3_2 }, 1 },
	{ "2.4, host refuses 3.2: no 3.0", VMB_VERSION_WIN8, SH_ACCEPT, SH_REJECT, -EPROTONOSUPPORT,
		0, { SYNTHVID_VERSION_3_2 }, 1 },
	{ "5.0, host takes nothing", VMB_VERSION_WIN10_V5, SH_REJECT, SH_REJECT, -EPROTONOSUPPORT,
		0, { SYNTHVID_VERSION_3_5, SYNTHVID_VERSION_3_2 }, 2 },
	{ "5.0, host silent", VMB_VERSION_WIN10_V5, SH_SILENT, SH_SILENT, -ETIMEDOUT, 0,
		{ SYNTHVID_VERSION_3_5, SYNTHVID_VERSION_3_2 }, 2 },
};

/* The host speaks only the case's VMBus version, so the guest steps down to it. */
static void test_bringup_versions_by_vmbus(void)
{
	for (size_t c = 0; c < ARRAY_LEN(version_cases); c++) {
		const struct version_case *vc = &version_cases[c];
		struct sh_config cfg = {
			.vmbus_versions = &vc->vmbus,
			.n_vmbus_versions = 1,
			.v3_5 = vc->v3_5,
			.v3_2 = vc->v3_2,
			.v3_0 = SH_ACCEPT,
		};
		struct fx *fx = fx_start(&cfg, &short_wait, 0);
		CHECK_MSG(fx->create_ret == vc->expect_ret, "%s: create %d, expected %d", vc->name,
			fx->create_ret, vc->expect_ret);
		if (fx->create_ret == 0)
			CHECK_MSG(svd_device_version(fx->dev) == vc->expect_version,
				"%s: version 0x%x", vc->name, svd_device_version(fx->dev));
		uint32_t asked[4];
		size_t n = asked_versions(fx, asked, 4);
		CHECK_MSG(n == vc->n_asked, "%s: asked %zu versions, expected %zu", vc->name, n,
			vc->n_asked);
		for (size_t i = 0; i < n && i < vc->n_asked; i++)
			CHECK_MSG(asked[i] == vc->asked[i], "%s: ask %zu was 0x%x", vc->name, i,
				asked[i]);
		fx_stop(fx);
	}
}

static void test_bringup_3_2_host_gets_standard_modes(void)
{
	struct sh_config cfg = { .v3_5 = SH_REJECT };
	struct fx *fx = fx_start(&cfg, NULL, 0);
	REQUIRE(fx->create_ret == 0);
	struct sh_log log;
	sh_take(fx->sh, &log);
	CHECK_EQ_INT(sh_log_count(&log, SYNTHVID_RESOLUTION_REQUEST), 0);
	sh_log_free(&log);
	struct svd_connector *conn = svd_device_get_connector(fx->dev);
	CHECK_EQ_INT(svd_connector_mode_count(conn), 9);
	struct svd_mode m;
	REQUIRE(svd_connector_get_mode(conn, 8, &m) == 0);
	CHECK(m.width == 1600 && m.height == 1200);
	REQUIRE(svd_connector_get_preferred_mode(conn, &m) == 0);
	CHECK(m.width == 1024 && m.height == 768);
	CHECK(svd_connector_monitor_name(conn) == NULL);
	CHECK_EQ_INT(svd_connector_mode_valid(conn, 1920, 1080), -ERANGE);
	fx_stop(fx);
}

static const struct synthvid_resolution big_modes[] = { { 1024, 768 }, { 1920, 1080 },
	{ 3840, 2160 } };

static void test_bringup_modes_that_do_not_fit_vram_are_left_out(void)
{
	/* 8 MiB: 3840x2160 (33 MB) does not fit. */
	struct sh_config cfg = { .modes = big_modes, .n_modes = 3, .default_index = 2 };
	struct fx *fx = fx_start(&cfg, NULL, 0);
	REQUIRE(fx->create_ret == 0);
	struct svd_connector *conn = svd_device_get_connector(fx->dev);
	CHECK_EQ_INT(svd_connector_mode_count(conn), 2);
	struct svd_mode m;
	CHECK_EQ_INT(svd_connector_get_preferred_mode(conn, &m), -ENOENT);
	CHECK_EQ_INT(svd_connector_mode_valid(conn, 3840, 2160), -ERANGE);
	fx_stop(fx);

	cfg.mmio_megabytes = 31; /* 3840x2160x4 = 33 177 600 > 31 MiB */
	fx = fx_start(&cfg, NULL, 0);
	REQUIRE(fx->create_ret == 0);
	conn = svd_device_get_connector(fx->dev);
	CHECK_EQ_INT(svd_connector_mode_count(conn), 2);
	fx_stop(fx);

	cfg.mmio_megabytes = 32;
	fx = fx_start(&cfg, NULL, 0);
	REQUIRE(fx->create_ret == 0);
	conn = svd_device_get_connector(fx->dev);
	CHECK_EQ_INT(svd_connector_mode_count(conn), 3);
	REQUIRE(svd_connector_get_preferred_mode(conn, &m) == 0);
	CHECK(m.width == 3840 && m.height == 2160);
	CHECK_EQ_INT(svd_connector_mode_valid(conn, 3840, 2160), 0);
	fx_stop(fx);
}

/* ---- hosts that answer wrongly ---- */

enum fault {
	FAULT_SHORT_VERSION, // pipe.size ends before is_accepted, which sits in the padding
	FAULT_COUNT_0,
	FAULT_COUNT_65,
	FAULT_DEFAULT_OUT_OF_RANGE,
	FAULT_ZERO_WIDTH,
	FAULT_LIST_CUT_SHORT,       // count 3, two entries
	FAULT_VRAM_WRONG_CTX_FIRST, // then the right one
	FAULT_VRAM_WRONG_CTX_ONLY,
	FAULT_VERSION_BEFORE_REQUEST, // VERSION_RESPONSE(3.2, accepted) as the channel opens
	FAULT_STALE_ACCEPT,           // 3.5 unanswered, then its accept arrives with 3.2's reject
	FAULT_RESOLUTION_DURING_VERSION,
};

struct fault_ctx {
	enum fault fault;
	uint8_t buf[512];
};

static void send_resolutions(struct sh *sh, struct fault_ctx *fc, uint8_t count, uint8_t def,
	uint16_t first_width, size_t cut)
{
	struct synthvid_msg msg = { .type = SYNTHVID_RESOLUTION_RESPONSE };
	struct synthvid_resolution_response *r = &msg.resolution_response;
	r->resolution_count = count > 64 ? 64 : count;
	r->default_resolution_index = def;
	for (size_t i = 0; i < 64; i++)
		r->resolutions[i] = (struct synthvid_resolution){ 800, 600 };
	r->resolutions[0].width = first_width;
	int len = synthvid_encode(fc->buf, sizeof(fc->buf), &msg, SYNTHVID_VID_SIZE_PAYLOAD_ONLY);
	REQUIRE(len > 0);
	fc->buf[SYNTHVID_RESOLUTION_COUNT_OFF] = count; /* beyond what the encoder would take */
	uint32_t pipe_size = (uint32_t)len - 8u - (uint32_t)cut;
	memcpy(fc->buf + 4, &pipe_size, 4);
	sh_send_raw(sh, fc->buf, (size_t)len - cut);
}

static void send_version(struct sh *sh, uint32_t version, uint8_t accepted)
{
	struct synthvid_msg msg = { .type = SYNTHVID_VERSION_RESPONSE };
	msg.version_response = (struct synthvid_version_response){ version, accepted, 1 };
	sh_send(sh, &msg);
}

static void send_vram_ack(struct sh *sh, uint64_t ctx)
{
	struct synthvid_msg msg = { .type = SYNTHVID_VRAM_LOCATION_ACK };
	msg.vram_location_ack.user_ctx = ctx;
	sh_send(sh, &msg);
}

static bool fault_version(struct sh *sh, struct fault_ctx *fc, uint32_t version)
{
	if (fc->fault == FAULT_SHORT_VERSION && version == SYNTHVID_VERSION_3_5) {
		struct synthvid_msg msg = { .type = SYNTHVID_VERSION_RESPONSE };
		msg.version_response = (struct synthvid_version_response){ version, 2, 1 };
		int len = synthvid_encode(
			fc->buf, sizeof(fc->buf), &msg, SYNTHVID_VID_SIZE_PAYLOAD_ONLY);
		uint32_t pipe_size = 12; /* the version only: is_accepted lies past the message */
		memcpy(fc->buf + 4, &pipe_size, 4);
		sh_send_raw(sh, fc->buf, (size_t)len);
		return true;
	}
	if (fc->fault == FAULT_STALE_ACCEPT && version == SYNTHVID_VERSION_3_2) {
		send_version(sh, SYNTHVID_VERSION_3_5, 2);
		send_version(sh, SYNTHVID_VERSION_3_2, 0);
		return true;
	}
	if (fc->fault == FAULT_RESOLUTION_DURING_VERSION)
		send_resolutions(sh, fc, 1, 0, 640, 0);
	return false;
}

static bool fault_hook(struct sh *sh, const struct synthvid_msg *msg, void *data)
{
	struct fault_ctx *fc = data;
	switch (msg->type) {
	case SYNTHVID_VERSION_REQUEST:
		return fault_version(sh, fc, msg->version_request.version);
	case SYNTHVID_RESOLUTION_REQUEST:
		switch (fc->fault) {
		case FAULT_COUNT_0:
			send_resolutions(sh, fc, 0, 0, 800, 0);
			return true;
		case FAULT_COUNT_65:
			send_resolutions(sh, fc, 65, 0, 800, 0);
			return true;
		case FAULT_DEFAULT_OUT_OF_RANGE:
			send_resolutions(sh, fc, 2, 2, 800, 0);
			return true;
		case FAULT_ZERO_WIDTH:
			send_resolutions(sh, fc, 2, 0, 0, 0);
			return true;
		case FAULT_LIST_CUT_SHORT:
			send_resolutions(sh, fc, 3, 0, 800, 4);
			return true;
		default:
			return false;
		}
	case SYNTHVID_VRAM_LOCATION:
		if (fc->fault == FAULT_VRAM_WRONG_CTX_FIRST ||
			fc->fault == FAULT_VRAM_WRONG_CTX_ONLY)
			send_vram_ack(sh, msg->vram_location.user_ctx ^ 1);
		return fc->fault == FAULT_VRAM_WRONG_CTX_ONLY;
	default:
		return false;
	}
}

static void fault_on_open(struct sh *sh, void *data)
{
	struct fault_ctx *fc = data;
	if (fc->fault == FAULT_VERSION_BEFORE_REQUEST)
		send_version(sh, SYNTHVID_VERSION_3_2, 2);
}

struct fault_case {
	const char *name;
	enum fault fault;
	enum sh_answer v3_5;
	int expect_ret;
	uint32_t expect_version;
	size_t expect_modes; // 9: the standard list, 3: the host's
	uint64_t rejected, unsolicited;
};

static const struct fault_case fault_cases[] = {
	{ "short VERSION_RESPONSE", FAULT_SHORT_VERSION, SH_ACCEPT, 0, SYNTHVID_VERSION_3_2, 9, 1,
		0 },
	{ "resolution count 0", FAULT_COUNT_0, SH_ACCEPT, 0, SYNTHVID_VERSION_3_5, 9, 1, 0 },
	{ "resolution count 65", FAULT_COUNT_65, SH_ACCEPT, 0, SYNTHVID_VERSION_3_5, 9, 1, 0 },
	{ "default index out of range", FAULT_DEFAULT_OUT_OF_RANGE, SH_ACCEPT, 0,
		SYNTHVID_VERSION_3_5, 9, 1, 0 },
	{ "zero width", FAULT_ZERO_WIDTH, SH_ACCEPT, 0, SYNTHVID_VERSION_3_5, 9, 1, 0 },
	{ "list cut short", FAULT_LIST_CUT_SHORT, SH_ACCEPT, 0, SYNTHVID_VERSION_3_5, 9, 1, 0 },
	{ "VRAM ACK with a wrong user_ctx first", FAULT_VRAM_WRONG_CTX_FIRST, SH_ACCEPT, 0,
		SYNTHVID_VERSION_3_5, 3, 0, 1 },
	{ "VRAM ACK with a wrong user_ctx only", FAULT_VRAM_WRONG_CTX_ONLY, SH_ACCEPT, -ETIMEDOUT,
		0, 0, 0, 1 },
	{ "VERSION_RESPONSE before any request", FAULT_VERSION_BEFORE_REQUEST, SH_REJECT, 0,
		SYNTHVID_VERSION_3_2, 9, 0, 1 },
	{ "stale accept after a timeout", FAULT_STALE_ACCEPT, SH_SILENT, -EPROTONOSUPPORT, 0, 0, 0,
		1 },
	{ "RESOLUTION_RESPONSE during the version wait", FAULT_RESOLUTION_DURING_VERSION, SH_ACCEPT,
		0, SYNTHVID_VERSION_3_5, 3, 0, 1 },
};

static void test_bringup_bad_host_answers(void)
{
	for (size_t c = 0; c < ARRAY_LEN(fault_cases); c++) {
		const struct fault_case *f = &fault_cases[c];
		struct fault_ctx ctx = { .fault = f->fault };
		struct sh_config cfg = {
			.v3_5 = f->v3_5,
			.hook = fault_hook,
			.on_open = fault_on_open,
			.data = &ctx,
		};
		struct fx *fx = fx_start(&cfg, &short_wait, 0);
		CHECK_MSG(fx->create_ret == f->expect_ret, "%s: create %d, expected %d", f->name,
			fx->create_ret, f->expect_ret);
		/* The stats of a failed bring-up died with the device: only successes tell. */
		if (fx->create_ret == 0) {
			struct svd_stats st;
			svd_device_get_stats(fx->dev, &st);
			CHECK_MSG(svd_device_version(fx->dev) == f->expect_version,
				"%s: version 0x%x", f->name, svd_device_version(fx->dev));
			size_t modes = svd_connector_mode_count(svd_device_get_connector(fx->dev));
			CHECK_MSG(modes == f->expect_modes, "%s: %zu modes", f->name, modes);
			CHECK_MSG(st.rx_rejected == f->rejected, "%s: %llu rejected", f->name,
				(unsigned long long)st.rx_rejected);
			CHECK_MSG(st.rx_unsolicited == f->unsolicited, "%s: %llu unsolicited",
				f->name, (unsigned long long)st.rx_unsolicited);
		}
		fx_stop(fx);
	}
}

/* ---- VRAM placement ---- */

static void test_bringup_vram_gpa_option(void)
{
	struct fx *fx = fx_start(NULL, NULL, 0);
	REQUIRE(fx->create_ret == 0);
	uint64_t base = sh_mmio_gpa(fx->sh);
	fx_stop(fx);

	struct svd_device_options opts = { .vram_gpa = base + (16u << 20) };
	fx = fx_start(NULL, &opts, 0);
	REQUIRE(fx->create_ret == 0);
	struct sh_log log;
	sh_take(fx->sh, &log);
	const struct sh_record *r = sh_log_find(&log, SYNTHVID_VRAM_LOCATION, 0);
	REQUIRE(r);
	CHECK(r->msg.vram_location.vram_gpa == base + (16u << 20));
	sh_log_free(&log);
	/* Pixels land where the host now looks. */
	struct svd_fb *fb = fx_fb(fx, 640, 480, 0, 0, 7);
	CHECK_EQ_INT(fx_show(fx, fb, 640, 480, NULL, 0), 0);
	sh_take(fx->sh, &log);
	sh_log_free(&log);
	CHECK(fx_vram_matches(fx, 640, (struct svd_rect){ 0, 0, 640, 480 }, 7));
	svd_fb_unref(fb);
	fx_stop(fx);

	static const uint64_t bad[] = { 1, 4095, (128u << 20) - (4u << 20), 1u << 30 };
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		opts.vram_gpa = base + bad[i];
		fx = fx_start(NULL, &opts, 0);
		CHECK_MSG(fx->create_ret == -EINVAL, "offset 0x%llx: %d",
			(unsigned long long)bad[i], fx->create_ret);
		fx_stop(fx);
	}
}

static void test_bringup_vram_unacknowledged_fails_clearly(void)
{
	struct sh_config cfg = { .vram_silent = true };
	struct fx *fx = fx_start(&cfg, &short_wait, 0);
	CHECK_EQ_INT(fx->create_ret, -ETIMEDOUT);
	fx_stop(fx);

	cfg = (struct sh_config){ .resolution_silent = true };
	fx = fx_start(&cfg, &short_wait, 0);
	REQUIRE(fx->create_ret == 0); /* no resolutions: the standard modes */
	CHECK_EQ_INT(svd_connector_mode_count(svd_device_get_connector(fx->dev)), 9);
	fx_stop(fx);
}

static const struct test_case cases[] = {
	TEST_CASE(test_bringup_default_host),
	TEST_CASE(test_bringup_versions_by_vmbus),
	TEST_CASE(test_bringup_3_2_host_gets_standard_modes),
	TEST_CASE(test_bringup_modes_that_do_not_fit_vram_are_left_out),
	TEST_CASE(test_bringup_bad_host_answers),
	TEST_CASE(test_bringup_vram_gpa_option),
	TEST_CASE(test_bringup_vram_unacknowledged_fails_clearly),
};

int main(int argc, char **argv)
{
	return test_main(argc, argv, cases, ARRAY_LEN(cases));
}
