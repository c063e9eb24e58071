#include "line_protocol.h"

#include <string.h>

#include "board.h"

void proto_write_line(const char *text)
{
    board_write(text, strlen(text));
    board_write("\n", 1);
}

proto_status_t proto_handle_line(const char *line, size_t len)
{
    static const char input_tag[] = "#input:";
    const size_t tag_len = sizeof input_tag - 1;

    if (len > 0 && line[len - 1] == '\r') {
        len--;
    }
    if (len == 5 && memcmp(line, "#exit", 5) == 0) {
        return PROTO_EXIT;
    }
    if (len < tag_len || memcmp(line, input_tag, tag_len) != 0) {
        return PROTO_CONTINUE; /* banner echoes, comments, noise: not ours */
    }
    proto_input(line + tag_len, len - tag_len);
    return PROTO_CONTINUE;
}

static char line[LINE_BUFFER_SIZE];
static size_t line_len;
static int line_too_long;

proto_status_t proto_feed(rx_event_t event, uint8_t byte)
{
    if (event == RX_LOST) {
        proto_write_line("Error: rx overflow");
        line_len = 0;
        line_too_long = 0;
        return PROTO_CONTINUE;
    }
    if (event != RX_BYTE) {
        return PROTO_CONTINUE;
    }
    if (byte == '\n') {
        proto_status_t status = PROTO_CONTINUE;
        if (!line_too_long) {
            status = proto_handle_line(line, line_len);
        }
        line_len = 0;
        line_too_long = 0;
        return status;
    }
    if (line_too_long) {
        return PROTO_CONTINUE; /* dropping the rest of an over-long line */
    }
    if (line_len < sizeof line) {
        line[line_len++] = (char)byte;
        return PROTO_CONTINUE;
    }
    line_too_long = 1;
    proto_write_line("Error: line too long");
    return PROTO_CONTINUE;
}

int proto_run(void)
{
    for (;;) {
        uint8_t byte = 0;
        rx_event_t event = rx_ring_next(&byte);
        if (event == RX_NONE) {
            board_idle();
        } else if (proto_feed(event, byte) == PROTO_EXIT) {
            return 0;
        }
    }
}
