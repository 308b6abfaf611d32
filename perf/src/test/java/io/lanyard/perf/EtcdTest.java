package io.lanyard.perf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EtcdTest
{
    @Test
    void shouldTakeAHealthyAnswerAsReady()
    {
        assertTrue(Etcd.isHealthyResponse("HTTP/1.0 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{\"health\":\"true\"}"));
    }

    @Test
    void shouldNotTakeAnUnhealthyOrFailedAnswerAsReady()
    {
        assertFalse(Etcd.isHealthyResponse("HTTP/1.0 503 Service Unavailable\r\n\r\n{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}"));
        assertFalse(Etcd.isHealthyResponse("HTTP/1.0 200 OK\r\n\r\n{\"health\":\"false\"}"));
        assertFalse(Etcd.isHealthyResponse(""));
    }
}
