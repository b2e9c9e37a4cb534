// The server's clock as an oracle: Testsigma runs on the JVM and uses the legacy
// java.util calendar API. Reads one case a line from stdin, answers one line each:
//   P <zone> <yyyy-MM-ddTHH:mm:ss>   -> epoch ms of the wall time (SimpleDateFormat + TimeZone)
//   A <zone> <epoch ms> <TYPE>       -> epoch ms after one period, the way the open-source
//                                       scheduler advances a schedule on a JVM whose default
//                                       zone is <zone>: format the instant as a wall time,
//                                       parse it back, Calendar.add the period, format and
//                                       parse again (seconds precision).
//   O <zone> <epoch ms>              -> the zone's UTC offset in ms at that instant
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.text.SimpleDateFormat;
import java.util.Calendar;
import java.util.Date;
import java.util.TimeZone;

public class ServerClock {
    private static SimpleDateFormat format(String pattern, TimeZone zone) {
        SimpleDateFormat result = new SimpleDateFormat(pattern);
        result.setTimeZone(zone);
        return result;
    }

    private static long advance(TimeZone zone, long millis, String type) throws Exception {
        SimpleDateFormat wall = format("yyyy-MM-dd HH:mm:ss", zone);
        Calendar calendar = Calendar.getInstance(zone);
        calendar.setTime(wall.parse(wall.format(new Date(millis))));
        switch (type) {
            case "HOURLY": calendar.add(Calendar.HOUR_OF_DAY, 1); break;
            case "DAILY": calendar.add(Calendar.DAY_OF_MONTH, 1); break;
            case "WEEKLY": calendar.add(Calendar.WEEK_OF_MONTH, 1); break;
            case "BIWEEKLY": calendar.add(Calendar.WEEK_OF_MONTH, 2); break;
            case "MONTHLY": calendar.add(Calendar.MONTH, 1); break;
            case "YEARLY": calendar.add(Calendar.YEAR, 1); break;
            default: throw new IllegalArgumentException(type);
        }
        return wall.parse(wall.format(calendar.getTime())).getTime();
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        PrintWriter out = new PrintWriter(System.out);
        String line;
        while ((line = in.readLine()) != null) {
            String[] part = line.trim().split(" ");
            TimeZone zone = TimeZone.getTimeZone(part[1]);
            switch (part[0]) {
                case "P":
                    out.println(format("yyyy-MM-dd'T'HH:mm:ss", zone).parse(part[2]).getTime());
                    break;
                case "A":
                    out.println(advance(zone, Long.parseLong(part[2]), part[3]));
                    break;
                case "O":
                    out.println(zone.getOffset(Long.parseLong(part[2])));
                    break;
                default:
                    out.println("?");
            }
        }
        out.flush();
    }
}
