/*
 * tim-wipe --info and --list-methods: what a device is and offers, and the
 * overwrite methods, printed for people or as JSON. Nothing is written.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "blkdev.h"
#include "buf.h"
#include "cli.h"
#include "err.h"
#include "i18n.h"
#include "json.h"
#include "sanitize.h"
#include "util.h"
#include "wipe.h"
#include "wipecmd.h"
#include "wiperecord.h"
#include "banned.h"

int
tim_wipe_cmd_list_methods(struct tim_cli *cli)
{
	const struct tim_wipe_method_info *i;
	struct tim_wipe_method m;
	struct tim_err err;

	tim_err_clear(&err);
	for (i = tim_wipe_methods; i->name; i++) {
		if (tim_wipe_method_parse(i->name, &m, &err) < 0)
			return tim_cli_fail(cli, &err);
		if (cli->json) {
			json_t *j = json_pack("{s:s, s:i, s:o, s:s, s:s}", "method", i->name,
			    "passes", (int)m.npasses, "pattern", tim_wipe_pass_names(&m),
			    "verify", tim_wipe_verify_name(i->verify), "what", _(i->what));

			tim_json_print(stdout, j);
			json_decref(j);
		} else
			printf("%-8s %2zu  %-7s %s\n", i->name, m.npasses,
			    tim_wipe_verify_name(i->verify), _(i->what));
	}
	if (!cli->json)
		printf(_("custom   passes=P,P,... with P random or a hex pattern (0x00, 0xff, 0x924924)\n"));
	return fflush(stdout) == 0 ? TIM_EXIT_OK : TIM_EXIT_ERROR;
}

static const char *
tri(int v)
{
	return v == 1 ? _("yes") : v == 0 ? _("no") : _("unknown");
}

static json_t *
jtri(int v)
{
	return v == 1 ? json_true() : v == 0 ? json_false() : json_null();
}

/* NVMe DLFEAT: what a deallocated block reads as, in words. */
static const char *
dlfeat_text(int v)
{
	return v == 1 ? _("reads as zeros") : v == 2 ? _("reads as 0xff bytes") :
	    v == 0 ? _("not reported by the namespace") : _("unknown");
}

static int
info_one(struct tim_cli *cli, const char *path)
{
	struct tim_sanitize_caps c;
	struct tim_blkdev_use u;
	struct tim_blkdev d;
	struct tim_err err;
	char sz[32];

	tim_err_clear(&err);
	if (tim_blkdev_probe(path, &d, &err) < 0)
		return tim_cli_fail(cli, &err);
	if (tim_blkdev_use_init(&u) < 0) {
		tim_error(cli, _("out of memory"));
		return TIM_EXIT_ERROR;
	}
	if (tim_blkdev_usage(&d, &u, &err) < 0) {
		tim_blkdev_use_release(&u);
		return tim_cli_fail(cli, &err);
	}
	tim_sanitize_probe(&d, &c);
	tim_sanitize_identity(&d, &c);
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:i, s:o, s:o}",
		    "device", path, "node", d.node, "name", d.name, "transport", d.transport,
		    "size", (json_int_t)d.size, "logical_sector_size", (int)d.logical,
		    "physical_sector_size", (int)d.physical,
		    "rotational", jtri(d.rotational), "removable", jtri(d.removable));
		json_t *san = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		    "command_set", c.kind == TIM_SAN_NVME ? "nvme" : c.kind == TIM_SAN_ATA ?
		    "ata" : c.kind == TIM_SAN_SCSI ? "scsi" : "none",
		    "crypto_erase", jtri(c.crypto), "block_erase", jtri(c.block),
		    "overwrite", jtri(c.overwrite), "format_erase", jtri(c.format),
		    "security_erase", jtri(c.security), "security_frozen", jtri(c.frozen),
		    "enhanced_security_erase", jtri(c.enhanced), "secure_discard", jtri(c.secdiscard));

		tim_json_set_str(j, "vendor", d.vendor[0] ? d.vendor : NULL);
		tim_json_set_str(j, "model", d.model[0] ? d.model : NULL);
		tim_json_set_str(j, "serial", d.serial[0] ? d.serial : NULL);
		tim_json_set_str(j, "firmware", d.firmware[0] ? d.firmware : NULL);
		tim_json_set_str(j, "wwid", d.wwid[0] ? d.wwid : NULL);
		tim_json_set_str(j, "backing_file", d.backing[0] ? d.backing : NULL);
		json_object_set_new(j, "partition", json_boolean(d.partition));
		json_object_set_new(j, "mounted", json_string(tim_buf_str(u.mounted)));
		json_object_set_new(j, "swap", json_string(tim_buf_str(u.swap)));
		json_object_set_new(j, "holders", json_string(tim_buf_str(u.holders)));
		json_object_set_new(j, "system", json_string(tim_buf_str(u.system)));
		json_object_set_new(j, "partitions", json_string(tim_buf_str(u.partitions)));
		json_object_set_new(j, "hpa_dco", json_string(c.hpa_dco));
		tim_json_set_str(san, "why_unknown", c.why[0] ? c.why : NULL);
		if (c.kind == TIM_SAN_NVME) {
			/* The read-back after Format NVM expects what DLFEAT promises. */
			json_object_set_new(san, "dlfeat", c.dlfeat >= 0 ?
			    json_integer(c.dlfeat) : json_null());
			json_object_set_new(san, "deallocated_reads", c.dlfeat == 1 ?
			    json_string("zeros") : c.dlfeat == 2 ? json_string("0xff") :
			    c.dlfeat == 0 ? json_string("not reported") : json_null());
		}
		json_object_set_new(j, "sanitize", san);
		tim_json_print(stdout, j);
		json_decref(j);
		tim_blkdev_use_release(&u);
		return TIM_EXIT_OK;
	}
	tim_human_size((double)d.size, sz);
	printf("%s (%s)\n", path, d.node);
	printf(_("  vendor:          %s\n"), d.vendor[0] ? d.vendor : _("unknown"));
	printf(_("  model:           %s\n"), d.model[0] ? d.model : _("unknown"));
	printf(_("  serial:          %s\n"), d.serial[0] ? d.serial : _("unknown"));
	printf(_("  firmware:        %s\n"), d.firmware[0] ? d.firmware : _("unknown"));
	if (d.wwid[0])
		printf(_("  wwid:            %s\n"), d.wwid);
	if (d.backing[0])
		printf(_("  backing file:    %s\n"), d.backing);
	printf(_("  transport:       %s%s\n"), d.transport, d.partition ? _(" (partition)") : "");
	printf(_("  size:            %s (%llu bytes)\n"), sz, (unsigned long long)d.size);
	printf(_("  sectors:         %u logical, %u physical\n"), d.logical, d.physical);
	printf(_("  rotational:      %s\n"), tri(d.rotational));
	printf(_("  removable:       %s\n"), tri(d.removable));
	printf(_("  partitions:      %s\n"), u.n_partitions ? tim_buf_str(u.partitions) : _("none"));
	printf(_("  mounted:         %s\n"), u.n_mounted ? tim_buf_str(u.mounted) : _("no"));
	printf(_("  swap:            %s\n"), u.n_swap ? tim_buf_str(u.swap) : _("no"));
	printf(_("  holders:         %s\n"), u.n_holders ? tim_buf_str(u.holders) : _("none"));
	printf(_("  running system:  %s\n"), u.n_system ? tim_buf_str(u.system) : _("no"));
	printf(_("  HPA/DCO:         %s\n"), c.hpa_dco);
	if (c.kind == TIM_SAN_NONE || c.why[0])
		printf(_("  sanitize:        unknown: %s\n"), c.why);
	if (c.kind != TIM_SAN_NONE) {
		printf(_("  sanitize:        crypto erase %s, block erase %s, overwrite %s\n"),
		    tri(c.crypto), tri(c.block), tri(c.overwrite));
		if (c.kind == TIM_SAN_NVME) {
			printf(_("  format erase:    %s (crypto %s)\n"), tri(c.format), tri(c.format_crypto));
			if (c.dlfeat >= 0)
				printf(_("  deallocated:     %s (DLFEAT %d)\n"), dlfeat_text(c.dlfeat), c.dlfeat);
			else
				printf(_("  deallocated:     %s\n"), dlfeat_text(c.dlfeat));
		}
		if (c.kind == TIM_SAN_ATA)
			printf(_("  security erase:  %s (enhanced %s, frozen %s, password set %s)\n"),
			    tri(c.security), tri(c.enhanced), tri(c.frozen), tri(c.enabled));
	}
	printf(_("  secure discard:  %s\n"), c.secdiscard == 0 ? _("no") :
	    _("unknown (only trying tells)"));
	tim_blkdev_use_release(&u);
	return TIM_EXIT_OK;
}

int
tim_wipe_cmd_info(struct tim_cli *cli, struct tim_wipe_cmd *o, int argc,
    char **argv)
{
	int i, s, worst = TIM_EXIT_OK;

	(void)o;
	for (i = 0; i < argc; i++) {
		s = info_one(cli, argv[i]);
		if (s > worst)
			worst = s;
	}
	return fflush(stdout) == 0 ? worst : TIM_EXIT_ERROR;
}
