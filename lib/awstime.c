/* awstime.c - timestamps as AWS sends them
 *
 * awsJson1_1 sends epoch seconds as JSON numbers (integer, fraction or
 * exponent form), restJson1 and the XML of awsQuery send ISO 8601, the SSO
 * token cache of old CLI versions ends in "UTC".  Everything here is UTC;
 * a timestamp without any zone is taken as UTC too (AWS never sends local
 * times).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "awstime.h"

static int parse_digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -EINVAL;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				   30, 31};

	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no dependency on timegm's handling of odd values. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Zone designator: Z, UTC, GMT, +hh:mm, +hhmm, +hh (and '-'). */
static int parse_zone(const char *p, long *offset)
{
	int sign, hh, mm = 0;

	*offset = 0;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return 0;
	if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0')
		return 0;
	if (!strcasecmp(p, "UTC") || !strcasecmp(p, "GMT"))
		return 0;
	if (*p != '+' && *p != '-')
		return -EINVAL;
	sign = *p == '-' ? -1 : 1;
	p++;
	if (parse_digits(&p, 2, &hh))
		return -EINVAL;
	if (*p == ':')
		p++;
	if (*p && parse_digits(&p, 2, &mm))
		return -EINVAL;
	if (*p || hh > 23 || mm > 59)
		return -EINVAL;
	*offset = sign * (hh * 3600L + mm * 60L);
	return 0;
}

int awstime_parse_iso8601(const char *s, time_t *out)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	const char *p = s;
	long offset;
	int64_t t;

	if (!s)
		return -EINVAL;
	while (*p == ' ')
		p++;
	if (parse_digits(&p, 4, &y) || *p++ != '-' ||
	    parse_digits(&p, 2, &mo) || *p++ != '-' ||
	    parse_digits(&p, 2, &d))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -EINVAL;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (parse_digits(&p, 2, &h) || *p++ != ':' ||
		    parse_digits(&p, 2, &mi))
			return -EINVAL;
		if (*p == ':') {
			p++;
			if (parse_digits(&p, 2, &sec))
				return -EINVAL;
			/* Fractions are dropped: orgfs works in seconds. */
			if (*p == '.' || *p == ',') {
				p++;
				if (!isdigit((unsigned char)*p))
					return -EINVAL;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
		/* 60 is a leap second; 24:00:00 is the end of the day */
		if (h > 24 || mi > 59 || sec > 60 ||
		    (h == 24 && (mi || sec)))
			return -EINVAL;
	}
	if (parse_zone(p, &offset))
		return -EINVAL;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    offset;
	if (sizeof(time_t) < 8 && (t > INT32_MAX || t < INT32_MIN))
		return -EINVAL;
	*out = (time_t)t;
	return 0;
}

/* A string of digits with an optional fraction: epoch seconds. */
static int parse_epoch_string(const char *s, time_t *out)
{
	const char *p = s;
	double v;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return -EINVAL;
	v = strtod(s, NULL);
	if (!isfinite(v) || v > 253402300799.0) /* 9999-12-31T23:59:59Z */
		return -EINVAL;
	*out = (time_t)floor(v);
	return 0;
}

int awstime_from_json(const json_t *v, time_t *out)
{
	double d;

	if (!v)
		return -EINVAL;
	if (json_is_number(v)) {
		d = json_number_value(v);
		if (!isfinite(d) || d < -62135596800.0 ||
		    d > 253402300799.0)
			return -EINVAL;
		*out = (time_t)floor(d);
		return 0;
	}
	if (!json_is_string(v))
		return -EINVAL;
	if (!parse_epoch_string(json_string_value(v), out))
		return 0;
	return awstime_parse_iso8601(json_string_value(v), out);
}

void awstime_format(time_t t, char out[21])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 0) {
		strcpy(out, "1970-01-01T00:00:00Z");
		return;
	}
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
