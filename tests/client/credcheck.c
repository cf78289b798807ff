/* credcheck.c - resolve credentials with the chain and ask STS who we are
 *
 *   credcheck [--profile P] [--region R] [--endpoint URL] [--interactive]
 *	[--calls N] [--member ACCOUNT --role NAME [--external-id X]] [--debug]
 *
 * Loads ~/.aws/config and ~/.aws/credentials (HOME, AWS_CONFIG_FILE, ...)
 * as orgfs does, builds the provider chain and calls sts:GetCallerIdentity
 * N times (default 1) through it.  With --member it then assumes the role
 * in that account with those credentials and calls GetCallerIdentity again.
 * Prints "provider: ...", "profile: ...", "region: ...", "account: ...",
 * "arn: ..." (and "member-account:", "member-arn:") on stdout, or one line
 * "credcheck: <error>" on stderr and exits 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws.h"
#include "credchain.h"
#include "creds_sts.h"
#include "http.h"
#include "log.h"

static void usage(void)
{
	fprintf(stderr, "usage: credcheck [--profile P] [--region R] "
		"[--endpoint URL] [--interactive] [--calls N]\n"
		"                 [--member ACCOUNT --role NAME "
		"[--external-id X]] [--debug]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "region", required_argument, NULL, 'r' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "calls", required_argument, NULL, 'n' },
		{ "member", required_argument, NULL, 'm' },
		{ "role", required_argument, NULL, 'R' },
		{ "external-id", required_argument, NULL, 'x' },
		{ "debug", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	struct credchain_options o = { 0 };
	const char *member = NULL, *role = NULL, *extid = NULL;
	struct aws_client_config acfg = { 0 };
	struct credchain_identity id;
	struct credchain *cc = NULL;
	struct aws_client *client = NULL;
	struct credchain_member_roles *roles = NULL;
	struct http_ctx *http = NULL;
	struct aws_error aerr;
	char err[1024];
	int c, calls = 1, ret = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': o.profile = optarg; break;
		case 'r': o.region = optarg; break;
		case 'e': o.orgfs_endpoint = optarg; break;
		case 'i': o.interactive = 1; break;
		case 'n': calls = atoi(optarg); break;
		case 'm': member = optarg; break;
		case 'R': role = optarg; break;
		case 'x': extid = optarg; break;
		case 'd': log_set_level(LOG_DEBUG); break;
		default: usage();
		}
	}
	if (optind != argc || calls < 1 || (member && !role))
		usage();
	json_object_seed(0);
	if (http_global_init() < 0) {
		fprintf(stderr, "credcheck: cannot initialise libcurl\n");
		return 1;
	}
	http = http_ctx_new(NULL);
	if (!http) {
		fprintf(stderr, "credcheck: cannot create the HTTP context\n");
		goto out;
	}
	o.http = http;
	if (credchain_load(&o, &cc, err, sizeof(err)) < 0) {
		fprintf(stderr, "credcheck: %s\n", err);
		goto out;
	}
	acfg.http = http;
	acfg.creds = cc->provider;
	acfg.region = cc->region ? cc->region : "us-east-1";
	acfg.endpoints = &cc->endpoints;
	client = aws_client_new(&acfg);
	if (!client) {
		fprintf(stderr, "credcheck: cannot create the AWS client\n");
		goto out;
	}
	for (int i = 0; i < calls; i++) {
		aws_error_clear(&aerr);
		if (credchain_caller_identity(client, &id, &aerr) < 0) {
			fprintf(stderr, "credcheck: %s\n",
				aws_error_str(&aerr, err, sizeof(err)));
			goto out;
		}
	}
	printf("provider: %s\nprofile: %s\nregion: %s\naccount: %s\narn: %s\n",
	       cc->source, cc->profile, cc->region ? cc->region : "",
	       id.account, id.arn);
	if (member) {
		struct creds_provider *mp;
		struct aws_client *mc;

		roles = credchain_member_roles_new(client);
		mp = credchain_member_role(roles, member, role, extid, NULL);
		mc = mp ? aws_client_derive_account(client, mp, member) : NULL;
		creds_provider_release(mp);
		if (!mc) {
			fprintf(stderr, "credcheck: cannot create the member client\n");
			goto out;
		}
		aws_error_clear(&aerr);
		c = credchain_caller_identity(mc, &id, &aerr);
		aws_client_free(mc);
		if (c < 0) {
			fprintf(stderr, "credcheck: %s\n",
				aws_error_str(&aerr, err, sizeof(err)));
			goto out;
		}
		printf("member-account: %s\nmember-arn: %s\n", id.account, id.arn);
	}
	fflush(stdout);
	ret = 0;
out:
	credchain_member_roles_free(roles);
	aws_client_free(client);
	credchain_free(cc);
	http_ctx_free(http);
	http_global_cleanup();
	return ret;
}
