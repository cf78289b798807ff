/* main.c - orgfs: options, mount and the FUSE session loop */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fuse_lowlevel.h>

#include "config.h"
#include "http.h"
#include "log.h"

static void usage(const char *prog)
{
	printf("usage: %s [options] <mountpoint>\n"
	       "       fusermount3 -u <mountpoint>\n\n", prog);
	printf("orgfs mounts an AWS Organization as a read-only file system.\n\n"
	       "    -h, --help             print this help and exit\n"
	       "    -V, --version          print the version and exit\n");
}

int main(int argc, char *argv[])
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(argv[0]);
			return 0;
		}
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("orgfs %s\n", PACKAGE_VERSION);
			printf("FUSE library version %s\n", fuse_pkgversion());
			return 0;
		}
	}
	usage(argv[0]);
	return 1;
}
