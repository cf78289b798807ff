/* fuzz_owner.c - the known owners file (owner_list_load) and the
 * owner_tags option (owner_config_parse)
 *
 * The input is written to a memfd and loaded by its /proc/self/fd path,
 * the way a real file is read.  Every owner listed must be found again.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "owner.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct owner_config oc;
	struct owner_list *l = NULL;
	char err[512], *line, *spec;
	const char *p;
	int rc;

	if (fd < 0) {
		fd = memfd_create("owners", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	rc = owner_list_load(path, &l, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	if (rc == 0) {
		size_t n = 0;

		/* each line that is an owner (trimmed) is contained */
		for (p = (const char *)data; p < (const char *)data + size;) {
			const char *end = memchr(p, '\n',
						 (size_t)((const char *)data + size - p));
			size_t len = end ? (size_t)(end - p) :
				     (size_t)((const char *)data + size - p);
			const char *s = p;

			while (len && strchr(" \t\r\n\v\f", *s) && *s) {
				s++;
				len--;
			}
			while (len && strchr(" \t\r\n\v\f", s[len - 1]) &&
			       s[len - 1])
				len--;
			if (len && *s != '#') {
				line = strndup(s, len);
				if (!line)
					abort();
				FUZZ_ASSERT(owner_list_contains(l, line));
				free(line);
				n++;
			}
			p = end ? end + 1 : (const char *)data + size;
		}
		FUZZ_ASSERT(owner_list_count(l) == n);
		owner_list_free(l);
	}

	spec = fuzz_cstr(data, size);
	for (int nocase = 0; nocase < 2; nocase++) {
		rc = owner_config_parse(spec, nocase, &oc, err, sizeof(err));
		FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
		if (rc == 0) {
			FUZZ_ASSERT(oc.nkeys >= 1 && oc.nkeys <= OWNER_KEYS_MAX);
			for (size_t i = 0; i < oc.nkeys; i++)
				FUZZ_ASSERT(*oc.keys[i] &&
					    strlen(oc.keys[i]) <= OWNER_KEY_MAX);
			owner_config_free(&oc);
		}
	}
	free(spec);
	return 0;
}
