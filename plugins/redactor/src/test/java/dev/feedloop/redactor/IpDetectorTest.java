package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.spi.Redactor;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The IPV4 and IPV6 detectors. */
class IpDetectorTest {
    private final Redactor ipv4 = Redactors.only(Detector.IPV4);
    private final Redactor ipv6 = Redactors.only(Detector.IPV6);

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "Server 192.168.1.10 is down | 192.168.1.10",
        "curl http://10.0.0.5:8080/health | 10.0.0.5",
        "admin@203.0.113.42 | 203.0.113.42",
        "10.20.30.40/32, | 10.20.30.40",
        "client_ip=198.51.100.7 | 198.51.100.7",
        "ip:8.8.8.8. | 8.8.8.8",
        "[127.0.0.1] | 127.0.0.1",
        "0.0.0.0 and 255.255.255.255 | 0.0.0.0",
    })
    void findsIpv4(String text, String first) {
        assertThat(Redactors.values(ipv4, text)).first().isEqualTo(first);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3", "10.0.0.256", "256.1.1.1", "1.2.3.4.5", "v1.2.3.4", "version 1.2.3.4",
        "firmware 10.0.0.1", "OID 1.3.6.1.4.1.343", "01.02.03.04", "192.168", "1.2.3.4a", "a1.2.3.4",
        "chrome/120.0.6099.109", "Chrome/120.0.0.0 Safari/537.36", "<IPV4>"})
    void leavesVersionsAndInvalidAddressesAlone(String text) {
        assertThat(Redactors.values(ipv4, text)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "full 2001:0db8:0000:0000:0000:ff00:0042:8329 | 2001:0db8:0000:0000:0000:ff00:0042:8329",
        "compressed 2001:db8::ff00:42:8329 | 2001:db8::ff00:42:8329",
        "loopback ::1 | ::1",
        "[::1]:8080 | ::1",
        "trailing 2001:db8:1::/48 | 2001:db8:1::",
        "link-local fe80::1%eth0 | fe80::1",
        "mapped ::ffff:192.0.2.128 | ::ffff:192.0.2.128",
        "NAT64 64:ff9b::198.51.100.7 | 64:ff9b::198.51.100.7",
        "upper-case 2001:DB8::A:B | 2001:DB8::A:B",
        "the address fe80::a00:27ff:fe4e:66a1. | fe80::a00:27ff:fe4e:66a1",
        "eight groups 1:2:3:4:5:6:7:8 | 1:2:3:4:5:6:7:8",
        "{\"ip\": \"2606:4700:4700::1111\"} | 2606:4700:4700::1111",
    })
    void findsIpv6InEveryForm(String text, String value) {
        assertThat(Redactors.values(ipv6, text)).containsExactly(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"at 12:30", "12:30:45", "10:30:00.123", "ratio 3:2:1", "MAC 00:1A:2B:3C:4D:5E", "::",
        "std::vector a::b::c", "cafe::beef", "2001:db8::1::2", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::1",
        "::ffff:192.0.2.256", "2001:db8:::1", "g001:db8::1", "2001:db8::1x", "xs[1::2]", "xs[::2]", "a[:, 1::2]",
        "<IPV6>"})
    void leavesTimesMacsAndInvalidFormsAlone(String text) {
        assertThat(Redactors.values(ipv6, text)).isEmpty();
    }

    @Test
    void anEmbeddedIpv4IsPartOfTheIpv6Finding() {
        Redactor both = Redactors.with(Map.of("detectors", "IPV4,IPV6"));

        assertThat(Redactors.found(both, "::ffff:10.1.2.3 and 10.1.2.4"))
                .containsExactly("IPV6:::ffff:10.1.2.3", "IPV4:10.1.2.4");
    }
}
