package io.lanyard.control.dns;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.lanyard.control.dns.WireMessages.A;
import static io.lanyard.control.dns.WireMessages.GOLDEN_ANSWER;
import static io.lanyard.control.dns.WireMessages.GOLDEN_QUERY;
import static io.lanyard.control.dns.WireMessages.HTTPS;
import static io.lanyard.control.dns.WireMessages.answerTo;
import static io.lanyard.control.dns.WireMessages.query;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WireQuestionTest
{
    @Test
    void shouldRecogniseTheQuestionInItsAnswerWhateverTheCaseOfTheName()
    {
        final WireQuestion question = WireQuestion.of(Unpooled.wrappedBuffer(GOLDEN_QUERY));

        assertNotNull(question);
        assertTrue(question.isAskedIn(Unpooled.wrappedBuffer(GOLDEN_ANSWER)));
        assertTrue(question.isAskedIn(Unpooled.wrappedBuffer(WireMessages.query(1, "www.example.com", A))));
    }

    @Test
    void shouldNotMatchAnotherNameTypeOrQuestionCount()
    {
        final WireQuestion question = WireQuestion.of(Unpooled.wrappedBuffer(query(1, "www.example.com", HTTPS)));
        final byte[] query = query(1, "www.example.com", HTTPS);

        assertFalse(question.isAskedIn(Unpooled.wrappedBuffer(answerTo(query).question("www.example.co", HTTPS).bytes())));
        assertFalse(question.isAskedIn(Unpooled.wrappedBuffer(answerTo(query).question("www.example.com.au", HTTPS).bytes())));
        assertFalse(question.isAskedIn(Unpooled.wrappedBuffer(answerTo(query).question("www.example.com", 97).bytes())),
            "a type whose byte looks like an upper-case letter is not folded");
        final byte[] noQuestion = answerTo(query).bytes();
        noQuestion[5] = 0;
        assertFalse(question.isAskedIn(Unpooled.wrappedBuffer(noQuestion)));
        assertFalse(question.isAskedIn(Unpooled.wrappedBuffer(Arrays.copyOf(answerTo(query).bytes(), 20))));
    }

    @Test
    void shouldRefuseQuestionsThatAreNotWellFormed()
    {
        assertNull(WireQuestion.of(Unpooled.wrappedBuffer(Arrays.copyOf(GOLDEN_QUERY, 11))), "no header");
        assertNull(WireQuestion.of(Unpooled.wrappedBuffer(Arrays.copyOf(GOLDEN_QUERY, 20))), "name cut short");
        assertNull(WireQuestion.of(Unpooled.wrappedBuffer(Arrays.copyOf(GOLDEN_QUERY, 31))), "type and class cut short");
        final byte[] twoQuestions = GOLDEN_QUERY.clone();
        twoQuestions[5] = 2;
        assertNull(WireQuestion.of(Unpooled.wrappedBuffer(twoQuestions)));
        final byte[] pointer = GOLDEN_QUERY.clone();
        pointer[12] = (byte)0xc0;
        assertNull(WireQuestion.of(Unpooled.wrappedBuffer(pointer)), "a compression pointer has nothing before it to point to");
        final byte[] tooLong = query(1, ("a".repeat(63) + ".").repeat(4) + "b", A);
        assertNull(WireQuestion.of(Unpooled.wrappedBuffer(tooLong)), "a name over 255 bytes");
        assertNotNull(WireQuestion.of(Unpooled.wrappedBuffer(query(1, ("a".repeat(63) + ".").repeat(3) + "a".repeat(61), A))),
            "a name of exactly 255 bytes");
    }
}
